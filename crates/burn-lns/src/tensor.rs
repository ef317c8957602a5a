//! Tensor primitives: packed LNS codes for floats, burn-flex tensors for ints and bools.

use burn_backend::{DType, QTensorPrimitive, TensorData, TensorMetadata};
use burn_flex::{FlexQTensor, FlexTensor, Layout};
use burn_std::{Bytes, FloatDType, QuantScheme, Shape, bf16, f16};
use lns_core::{CodeStorage, Format, Storage};

use crate::device::LnsDevice;

/// Runs `$body` with `$C` bound to the storage integer of `$storage`.
macro_rules! with_storage {
    ($storage:expr, $C:ident => $body:expr) => {
        match $storage {
            lns_core::Storage::I8 => {
                type $C = i8;
                $body
            }
            lns_core::Storage::I16 => {
                type $C = i16;
                $body
            }
            lns_core::Storage::I32 => {
                type $C = i32;
                $body
            }
        }
    };
}
pub(crate) use with_storage;

/// A storage integer that is both an LNS code container and a Burn element.
pub(crate) trait Code: CodeStorage + burn_backend::Element + bytemuck::Pod {}
impl Code for i8 {}
impl Code for i16 {}
impl Code for i32 {}

/// The `DType` that holds a storage integer.
pub(crate) fn storage_dtype(s: Storage) -> DType {
    match s {
        Storage::I8 => DType::I8,
        Storage::I16 => DType::I16,
        Storage::I32 => DType::I32,
    }
}

/// The float tensor of [`crate::Lns`]: packed LNS codes (an i8/i16/i32 burn-flex tensor,
/// possibly a strided view) plus the device that says how to read and compute them.
///
/// `dtype` is only the *interchange* type: what [`TensorMetadata::dtype`] reports and
/// what `into_data` returns. Every value is an LNS code of the device format whatever
/// it says; `float_cast` changes only this tag.
#[derive(Clone, Debug)]
pub struct LnsTensor {
    pub(crate) codes: FlexTensor,
    pub(crate) device: LnsDevice,
    pub(crate) dtype: FloatDType,
}

impl LnsTensor {
    /// Opens a segment of the device's operation trace (per-layer cost reports) for a
    /// layer operation `op` on these tensors, labelled e.g. `conv 32×6×14×14, 16×6×5×5`.
    /// Free when no trace records.
    pub(crate) fn begin_segment(&self, op: &str, others: &[&LnsTensor]) {
        self.device.arith().begin_segment(|| {
            let dims = |t: &LnsTensor| {
                let s = t.codes.shape();
                s.iter().map(usize::to_string).collect::<Vec<_>>().join("×")
            };
            let all: Vec<String> = std::iter::once(self)
                .chain(others.iter().copied())
                .map(dims)
                .collect();
            format!("{op} {}", all.join(", "))
        });
    }

    /// Wraps a code tensor. Its dtype must be the storage integer of the device format.
    pub(crate) fn new(codes: FlexTensor, device: LnsDevice, dtype: FloatDType) -> LnsTensor {
        debug_assert_eq!(codes.dtype(), storage_dtype(device.format().storage()));
        LnsTensor {
            codes,
            device,
            dtype,
        }
    }

    /// A contiguous tensor from widened codes.
    pub(crate) fn from_codes_i32(
        codes: Vec<i32>,
        shape: Shape,
        device: LnsDevice,
        dtype: FloatDType,
    ) -> LnsTensor {
        let storage = device.format().storage();
        let flex = with_storage!(storage, C => {
            let v: Vec<C> = codes.into_iter().map(C::narrow).collect();
            flex_from_vec(v, shape)
        });
        LnsTensor::new(flex, device, dtype)
    }

    /// The device (arithmetic configuration).
    pub fn device(&self) -> &LnsDevice {
        &self.device
    }

    /// The format of the codes.
    pub fn format(&self) -> Format {
        self.device.format()
    }

    /// The codes in logical (row-major) order, widened to `i32`.
    pub fn codes(&self) -> Vec<i32> {
        with_storage!(self.format().storage(), C => {
            contiguous::<C>(&self.codes).iter().map(|c| c.widen()).collect()
        })
    }

    /// The underlying code tensor (dtype I8/I16/I32).
    pub fn code_tensor(&self) -> &FlexTensor {
        &self.codes
    }

    /// Same device and dtype, other codes.
    pub(crate) fn with_codes(&self, codes: FlexTensor) -> LnsTensor {
        LnsTensor::new(codes, self.device.clone(), self.dtype)
    }

    /// The same values with their codes in row-major order from offset 0: `self` where
    /// they already are, else gathered by [`contiguous`] (rows split across threads;
    /// burn-flex's `to_contiguous` copies on one thread).
    pub(crate) fn row_major(&self) -> LnsTensor {
        let layout = self.codes.layout();
        if layout.is_contiguous() && layout.start_offset() == 0 {
            return self.clone();
        }
        with_storage!(self.format().storage(), C => {
            let codes = contiguous::<C>(&self.codes).into_owned();
            self.with_codes(flex_from_vec(codes, self.shape()))
        })
    }

    /// The same codes read as `shape` (equal element count): `self` where the shape is
    /// already `shape` (any layout), a view where the layout allows, else a
    /// [`LnsTensor::row_major`] copy first.
    ///
    /// # Panics
    /// If the element counts differ.
    pub(crate) fn reshaped(&self, shape: Shape) -> LnsTensor {
        assert_eq!(
            self.shape().num_elements(),
            shape.num_elements(),
            "a reshape keeps the number of elements"
        );
        if self.shape() == shape {
            return self.clone();
        }
        let t = if self.codes.layout().reshape(shape.clone()).is_some() {
            self.clone()
        } else {
            self.row_major()
        };
        t.with_codes(t.codes.reshape(shape))
    }
}

impl TensorMetadata for LnsTensor {
    fn dtype(&self) -> DType {
        self.dtype.into()
    }
    fn shape(&self) -> Shape {
        self.codes.shape()
    }
    fn rank(&self) -> usize {
        self.codes.rank()
    }
}

/// An int or bool tensor of [`crate::Lns`]: a burn-flex tensor tagged with the LNS
/// device it belongs to (so that `int → float` conversions know the format).
#[derive(Clone, Debug)]
pub struct LnsPlainTensor {
    pub(crate) tensor: FlexTensor,
    pub(crate) device: LnsDevice,
}

impl LnsPlainTensor {
    pub(crate) fn new(tensor: FlexTensor, device: LnsDevice) -> Self {
        LnsPlainTensor { tensor, device }
    }
    /// The burn-flex tensor.
    pub fn flex(&self) -> &FlexTensor {
        &self.tensor
    }
}

impl TensorMetadata for LnsPlainTensor {
    fn dtype(&self) -> DType {
        self.tensor.dtype()
    }
    fn shape(&self) -> Shape {
        self.tensor.shape()
    }
    fn rank(&self) -> usize {
        self.tensor.rank()
    }
}

/// A quantized tensor of [`crate::Lns`]: burn-flex's quantized storage tagged with the
/// device that dequantization encodes into.
#[derive(Clone, Debug)]
pub struct LnsQTensor {
    pub(crate) tensor: FlexQTensor,
    pub(crate) device: LnsDevice,
}

impl QTensorPrimitive for LnsQTensor {
    fn scheme(&self) -> &QuantScheme {
        self.tensor.scheme()
    }
    fn default_scheme() -> QuantScheme {
        FlexQTensor::default_scheme()
    }
}

impl TensorMetadata for LnsQTensor {
    fn dtype(&self) -> DType {
        self.tensor.dtype()
    }
    fn shape(&self) -> Shape {
        self.tensor.shape()
    }
    fn rank(&self) -> usize {
        self.tensor.rank()
    }
}

/// A contiguous row-major burn-flex tensor owning `v`.
pub(crate) fn flex_from_vec<C: burn_backend::Element + bytemuck::Pod>(
    v: Vec<C>,
    shape: Shape,
) -> FlexTensor {
    debug_assert_eq!(v.len(), shape.num_elements());
    FlexTensor::new(Bytes::from_elems(v), Layout::contiguous(shape), C::dtype())
}

pub(crate) use crate::strided::contiguous;

/// Reads float-like data of any dtype as f64 values.
pub(crate) fn data_to_f64(data: &TensorData) -> Vec<f64> {
    data.iter::<f64>().collect()
}

/// Encodes data into codes of the device format (saturating, flushing and mapping
/// NaN to zero, all counted on the device).
pub(crate) fn encode_data(data: TensorData, device: &LnsDevice) -> LnsTensor {
    let dtype = match data.dtype {
        DType::F64 => FloatDType::F64,
        DType::F16 => FloatDType::F16,
        DType::BF16 => FloatDType::BF16,
        _ => FloatDType::F32,
    };
    let shape = data.shape.clone();
    let values = data_to_f64(&data);
    encode_values(&values, shape, device, dtype)
}

/// Encodes f64 values as a tensor.
pub(crate) fn encode_values(
    values: &[f64],
    shape: Shape,
    device: &LnsDevice,
    dtype: FloatDType,
) -> LnsTensor {
    use rayon::prelude::*;
    let arith = device.arith();
    let fmt = device.format();
    arith.record_ops(lns_core::OpCounts {
        convert: values.len() as u64,
        ..Default::default()
    });
    let flex = with_storage!(fmt.storage(), C => {
        let mut out = vec![C::default(); values.len()];
        let counts = out
            .par_chunks_mut(crate::kernels::CHUNK)
            .zip(values.par_chunks(crate::kernels::CHUNK))
            .map(|(o, v)| {
                let mut t = lns_core::Counts::default();
                for (o, &x) in o.iter_mut().zip(v) {
                    *o = C::narrow(lns_core::convert::encode(fmt, x, &mut t));
                }
                t
            })
            .reduce(lns_core::Counts::default, |mut a, b| {
                a += b;
                a
            });
        arith.record(counts);
        flex_from_vec(out, shape)
    });
    LnsTensor::new(flex, device.clone(), dtype)
}

/// Decodes a tensor into data of its interchange dtype.
pub(crate) fn decode_data(tensor: &LnsTensor, dtype: FloatDType) -> TensorData {
    let fmt = tensor.format();
    let shape = tensor.shape();
    let codes = tensor.codes();
    tensor.device().arith().record_ops(lns_core::OpCounts {
        convert: codes.len() as u64,
        ..Default::default()
    });
    let dec = |c: i32| lns_core::convert::decode(fmt, c);
    match dtype {
        FloatDType::F64 => TensorData::new(codes.into_iter().map(dec).collect::<Vec<_>>(), shape),
        FloatDType::F16 => TensorData::new(
            codes
                .into_iter()
                .map(|c| f16::from_f64(dec(c)))
                .collect::<Vec<_>>(),
            shape,
        ),
        FloatDType::BF16 => TensorData::new(
            codes
                .into_iter()
                .map(|c| bf16::from_f64(dec(c)))
                .collect::<Vec<_>>(),
            shape,
        ),
        _ => {
            let values: Vec<f32> = match tensor.device().arith().f32_values() {
                Some(table) => codes
                    .into_iter()
                    .map(|c| table[(c - fmt.zero()) as usize])
                    .collect(),
                None => codes.into_iter().map(|c| dec(c) as f32).collect(),
            };
            TensorData::new(values, shape)
        }
    }
}

/// A tensor of `0, 1, 2, …` as i16 codes, for layout tests.
#[cfg(test)]
pub(crate) fn counting(dims: &[usize]) -> FlexTensor {
    let n: usize = dims.iter().product();
    flex_from_vec(
        (0..n).map(|i| i as i16).collect(),
        Shape::from(dims.to_vec()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reshaped_views_keep_their_values_and_copy_only_where_the_layout_needs_it() {
        let device: LnsDevice = "lns16".parse().expect("a valid device string");
        let lns = |t: FlexTensor| LnsTensor::new(t, device.clone(), FloatDType::F32);
        let t = counting(&[2, 130, 131]);
        let expected = |view: &FlexTensor, dims: &[usize]| {
            view.to_contiguous().reshape(Shape::from(dims.to_vec()))
        };
        // A transposed view read as a matrix, and a narrowed one (non-zero offset).
        for (view, dims) in [
            (t.transpose(0, 2), vec![131 * 130, 2]),
            (t.narrow(1, 3, 100), vec![200, 131]),
        ] {
            let got = lns(view.clone()).reshaped(Shape::from(dims.clone()));
            assert_eq!(got.codes.layout().start_offset(), 0);
            assert!(got.codes.is_contiguous());
            assert_eq!(
                got.codes.storage::<i16>(),
                expected(&view, &dims).storage::<i16>()
            );
            assert_eq!(lns(view.clone()).row_major().codes(), got.codes());
        }
        // The same shape keeps any view; a contiguous tensor is reshaped in place.
        let transposed = lns(t.transpose(0, 1));
        let same = transposed.reshaped(transposed.shape());
        assert_eq!(
            same.codes.layout().strides(),
            transposed.codes.layout().strides()
        );
        let flat = lns(t.clone()).reshaped(Shape::from(vec![2 * 130 * 131]));
        assert!(std::ptr::eq(
            flat.codes.storage::<i16>().as_ptr(),
            t.storage::<i16>().as_ptr()
        ));
    }
}
