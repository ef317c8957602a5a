//! `QTensorOps` for [`Lns`]: burn-flex's quantized storage.
//!
//! Quantized tensors are an interchange format, not LNS numbers: `quantize` decodes the
//! codes (exactly, to f32) and hands them to burn-flex's quantizer; `dequantize`
//! encodes the dequantized values into the device format (rounded once, counted).
//! Layout ops move the quantized bytes through burn-flex; arithmetic on quantized
//! tensors follows Burn's defaults (dequantize, compute in LNS).

use burn_backend::ops::{FloatTensorOps, QTensorOps};
use burn_backend::quantization::{QuantScheme, QuantizationParametersPrimitive};
use burn_backend::tensor::{Device, FloatTensor, IntTensor, QuantizedTensor};
use burn_backend::{ExecutionError, TensorData, TensorMetadata};
use burn_flex::{Flex, FlexDevice, FlexTensor};
use burn_std::{FloatDType, IntDType, Shape, Slice};

use crate::backend::Lns;
use crate::ops::float::interchange;
use crate::tensor::{
    LnsPlainTensor, LnsQTensor, LnsTensor, contiguous, encode_values, flex_from_vec,
};

/// The exact values of the codes as an f32 burn-flex tensor.
fn to_flex_f32(t: &LnsTensor) -> FlexTensor {
    let fmt = t.format();
    let v: Vec<f32> = t
        .codes()
        .into_iter()
        .map(|c| lns_core::convert::decode_f32(fmt, c))
        .collect();
    flex_from_vec(v, t.shape())
}

fn wrap(q: burn_flex::FlexQTensor, like: &LnsQTensor) -> LnsQTensor {
    LnsQTensor {
        tensor: q,
        device: like.device.clone(),
    }
}

impl QTensorOps<Lns> for Lns {
    fn q_from_data(data: TensorData, device: &Device<Lns>) -> QuantizedTensor<Lns> {
        LnsQTensor {
            tensor: Flex::q_from_data(data, &FlexDevice),
            device: device.clone(),
        }
    }

    fn quantize(
        tensor: FloatTensor<Lns>,
        scheme: &QuantScheme,
        qparams: QuantizationParametersPrimitive<Lns>,
    ) -> QuantizedTensor<Lns> {
        let scales = to_flex_f32(&qparams.scales);
        let q = Flex::quantize(
            to_flex_f32(&tensor),
            scheme,
            QuantizationParametersPrimitive { scales },
        );
        LnsQTensor {
            tensor: q,
            device: tensor.device.clone(),
        }
    }

    fn quantize_dynamic(tensor: FloatTensor<Lns>, scheme: &QuantScheme) -> QuantizedTensor<Lns> {
        LnsQTensor {
            tensor: Flex::quantize_dynamic(to_flex_f32(&tensor), scheme),
            device: tensor.device.clone(),
        }
    }

    fn dequantize(tensor: QuantizedTensor<Lns>, dtype: FloatDType) -> FloatTensor<Lns> {
        let f = Flex::dequantize(tensor.tensor, FloatDType::F64);
        let shape = f.shape();
        let values = contiguous::<f64>(&f);
        encode_values(&values, shape, &tensor.device, interchange(dtype))
    }

    fn q_device(tensor: &QuantizedTensor<Lns>) -> Device<Lns> {
        tensor.device.clone()
    }

    fn q_to_device(tensor: QuantizedTensor<Lns>, device: &Device<Lns>) -> QuantizedTensor<Lns> {
        LnsQTensor {
            tensor: tensor.tensor,
            device: device.clone(),
        }
    }

    fn q_reshape(tensor: QuantizedTensor<Lns>, shape: Shape) -> QuantizedTensor<Lns> {
        wrap(Flex::q_reshape(tensor.tensor.clone(), shape), &tensor)
    }

    async fn q_into_data(tensor: QuantizedTensor<Lns>) -> Result<TensorData, ExecutionError> {
        Flex::q_into_data(tensor.tensor).await
    }

    fn q_expand(tensor: QuantizedTensor<Lns>, shape: Shape) -> QuantizedTensor<Lns> {
        wrap(Flex::q_expand(tensor.tensor.clone(), shape), &tensor)
    }

    fn q_swap_dims(tensor: QuantizedTensor<Lns>, dim1: usize, dim2: usize) -> QuantizedTensor<Lns> {
        wrap(
            Flex::q_swap_dims(tensor.tensor.clone(), dim1, dim2),
            &tensor,
        )
    }

    fn q_permute(tensor: QuantizedTensor<Lns>, axes: &[usize]) -> QuantizedTensor<Lns> {
        wrap(Flex::q_permute(tensor.tensor.clone(), axes), &tensor)
    }

    fn q_flip(tensor: QuantizedTensor<Lns>, axes: &[usize]) -> QuantizedTensor<Lns> {
        wrap(Flex::q_flip(tensor.tensor.clone(), axes), &tensor)
    }

    fn q_select(
        tensor: QuantizedTensor<Lns>,
        dim: usize,
        indices: IntTensor<Lns>,
    ) -> QuantizedTensor<Lns> {
        wrap(
            Flex::q_select(tensor.tensor.clone(), dim, indices.tensor),
            &tensor,
        )
    }

    fn q_slice(tensor: QuantizedTensor<Lns>, slices: &[Slice]) -> QuantizedTensor<Lns> {
        wrap(Flex::q_slice(tensor.tensor.clone(), slices), &tensor)
    }

    fn q_gather(
        dim: usize,
        tensor: QuantizedTensor<Lns>,
        indices: IntTensor<Lns>,
    ) -> QuantizedTensor<Lns> {
        wrap(
            Flex::q_gather(dim, tensor.tensor.clone(), indices.tensor),
            &tensor,
        )
    }

    /// The index of the largest dequantized value (first on ties), over the exact f32
    /// products `scale · q`: burn-flex 0.21 compares the raw levels, which is wrong for
    /// per-block tensors (a level means a different value in each block).
    fn q_argmax(tensor: QuantizedTensor<Lns>, dim: usize, out_dtype: IntDType) -> IntTensor<Lns> {
        let values = Flex::dequantize(tensor.tensor, FloatDType::F32);
        LnsPlainTensor::new(Flex::float_argmax(values, dim, out_dtype), tensor.device)
    }

    /// The index of the smallest dequantized value (first on ties); see `q_argmax`.
    fn q_argmin(tensor: QuantizedTensor<Lns>, dim: usize, out_dtype: IntDType) -> IntTensor<Lns> {
        let values = Flex::dequantize(tensor.tensor, FloatDType::F32);
        LnsPlainTensor::new(Flex::float_argmin(values, dim, out_dtype), tensor.device)
    }
}
