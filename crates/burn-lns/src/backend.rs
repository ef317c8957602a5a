//! The [`Lns`] backend type: device, primitives and the dtype-capability table.

use burn_backend::{Backend, BackendTypes, DType, DTypeUsage, DTypeUsageSet};
use burn_flex::{Flex, FlexDevice};
use lns_core::Counts;

use crate::device::LnsDevice;
use crate::tensor::{LnsPlainTensor, LnsQTensor, LnsTensor};

/// A Burn backend that stores every float tensor as packed LNS codes and computes every
/// float op in LNS arithmetic (through `lns-core`). The device is the arithmetic
/// configuration ([`LnsDevice`]); int and bool tensors are burn-flex's.
///
/// ```
/// use burn::tensor::Tensor;
/// use burn_lns::{Lns, LnsDevice};
///
/// let device: LnsDevice = "16:10:lut".parse().unwrap();
/// let t = Tensor::<Lns, 1>::from_floats([1.0, -2.0], &device);
/// let y = t.clone() + t;
/// assert_eq!(y.into_data().to_vec::<f32>().unwrap(), vec![2.0, -4.0]);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Lns;

impl Lns {
    /// Saturations, flushes and NaN inputs counted so far on `device` (by encoding at
    /// the edges and by every op).
    pub fn counts(device: &LnsDevice) -> Counts {
        device.counts()
    }

    /// Returns the counts of `device` so far and resets them.
    pub fn take_counts(device: &LnsDevice) -> Counts {
        device.take_counts()
    }
}

impl BackendTypes for Lns {
    type Device = LnsDevice;

    type FloatTensorPrimitive = LnsTensor;
    /// The interchange element: what `into_data` returns by default.
    type FloatElem = f32;

    type IntTensorPrimitive = LnsPlainTensor;
    type IntElem = i32;

    type BoolTensorPrimitive = LnsPlainTensor;
    type BoolElem = bool;

    type QuantizedTensorPrimitive = LnsQTensor;
}

impl Backend for Lns {
    fn name(device: &Self::Device) -> String {
        format!("lns<{}>", device.config())
    }

    /// Seeds the random number generator shared with burn-flex (float samples are drawn
    /// in f64 and encoded).
    fn seed(_device: &Self::Device, seed: u64) {
        Flex::seed(&FlexDevice, seed);
    }

    fn device_count(_type_id: u16) -> usize {
        1
    }

    /// Floats of every interchange type are accepted and returned (they are stored as
    /// LNS codes); ints and bools as burn-flex supports them.
    fn dtype_usage(_device: &Self::Device, dtype: DType) -> DTypeUsageSet {
        match dtype {
            DType::F64 | DType::F32 | DType::F16 | DType::BF16 => {
                DTypeUsage::Storage | DTypeUsage::Arithmetic
            }
            other => Flex::dtype_usage(&FlexDevice, other),
        }
    }
}
