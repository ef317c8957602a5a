//! Storage integers for packed codes and the bit-level helpers on a code.
//!
//! Inside the arithmetic every code is widened to `i32`: `code = 2·L + s`.

use bytemuck::Pod;

/// An integer type that stores packed codes (`i8`, `i16` or `i32`).
pub trait CodeStorage:
    Pod + Copy + Send + Sync + Default + std::fmt::Debug + PartialEq + 'static
{
    /// The storage this type implements.
    const STORAGE: crate::Storage;
    /// Sign-extends the stored code to the arithmetic width.
    fn widen(self) -> i32;
    /// Narrows an arithmetic code that is known to fit the format.
    fn narrow(code: i32) -> Self;
}

macro_rules! impl_code_storage {
    ($t:ty, $s:ident) => {
        impl CodeStorage for $t {
            const STORAGE: crate::Storage = crate::Storage::$s;
            #[inline(always)]
            fn widen(self) -> i32 {
                self as i32
            }
            #[inline(always)]
            fn narrow(code: i32) -> Self {
                debug_assert!(
                    <$t>::try_from(code).is_ok(),
                    "code {code} does not fit {}",
                    stringify!($t)
                );
                code as $t
            }
        }
    };
}
impl_code_storage!(i8, I8);
impl_code_storage!(i16, I16);
impl_code_storage!(i32, I32);

/// The log magnitude `L` of a code.
#[inline(always)]
pub const fn log_of(code: i32) -> i32 {
    code >> 1
}

/// The sign bit of a code (1 = negative).
#[inline(always)]
pub const fn sign_of(code: i32) -> i32 {
    code & 1
}

/// Packs a log magnitude and a sign bit.
#[inline(always)]
pub const fn pack(log: i32, sign: i32) -> i32 {
    (log << 1) | sign
}
