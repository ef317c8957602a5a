//! `BoolTensorOps` for [`Lns`]: burn-flex's bool tensors, tagged with the LNS device.

use burn_backend::ops::BoolTensorOps;
use burn_backend::tensor::{BoolTensor, Device, FloatTensor, IntTensor};
use burn_backend::{ExecutionError, TensorData, TensorMetadata};
use burn_flex::{Flex, FlexDevice};
use burn_std::{FloatDType, IntDType, Shape, Slice};

use crate::backend::Lns;
use crate::ops::float::interchange;
use crate::tensor::{LnsPlainTensor, LnsTensor};

impl BoolTensorOps<Lns> for Lns {
    fn bool_from_data(data: TensorData, device: &Device<Lns>) -> BoolTensor<Lns> {
        LnsPlainTensor::new(Flex::bool_from_data(data, &FlexDevice), device.clone())
    }

    async fn bool_into_data(tensor: BoolTensor<Lns>) -> Result<TensorData, ExecutionError> {
        Flex::bool_into_data(tensor.tensor).await
    }

    fn bool_device(tensor: &BoolTensor<Lns>) -> Device<Lns> {
        tensor.device.clone()
    }

    fn bool_to_device(tensor: BoolTensor<Lns>, device: &Device<Lns>) -> BoolTensor<Lns> {
        LnsPlainTensor::new(tensor.tensor, device.clone())
    }

    /// `true → 1`, `false → 0`: both exact codes.
    fn bool_into_float(tensor: BoolTensor<Lns>, out_dtype: FloatDType) -> FloatTensor<Lns> {
        let fmt = tensor.device.format();
        let t = tensor.tensor.to_contiguous();
        let n = t.shape().num_elements();
        let codes: Vec<i32> = t.bytes()[..n]
            .iter()
            .map(|&b| if b != 0 { fmt.one() } else { fmt.zero() })
            .collect();
        LnsTensor::from_codes_i32(codes, t.shape(), tensor.device, interchange(out_dtype))
    }

    async fn bool_argwhere(tensor: BoolTensor<Lns>, out_dtype: IntDType) -> IntTensor<Lns> {
        LnsPlainTensor::new(
            Flex::bool_argwhere(tensor.tensor, out_dtype).await,
            tensor.device,
        )
    }

    fn bool_cat(tensors: Vec<BoolTensor<Lns>>, dim: usize) -> BoolTensor<Lns> {
        let device = tensors
            .first()
            .map(|t| t.device.clone())
            .unwrap_or_default();
        LnsPlainTensor::new(
            Flex::bool_cat(tensors.into_iter().map(|t| t.tensor).collect(), dim),
            device,
        )
    }
    fn bool_reshape(tensor: BoolTensor<Lns>, shape: Shape) -> BoolTensor<Lns> {
        LnsPlainTensor::new(Flex::bool_reshape(tensor.tensor, shape), tensor.device)
    }
    fn bool_slice(tensor: BoolTensor<Lns>, slices: &[Slice]) -> BoolTensor<Lns> {
        LnsPlainTensor::new(Flex::bool_slice(tensor.tensor, slices), tensor.device)
    }
    fn bool_empty(
        shape: Shape,
        device: &Device<Lns>,
        dtype: burn_std::BoolDType,
    ) -> BoolTensor<Lns> {
        LnsPlainTensor::new(Flex::bool_empty(shape, &FlexDevice, dtype), device.clone())
    }
    fn bool_slice_assign(
        tensor: BoolTensor<Lns>,
        slices: &[Slice],
        value: BoolTensor<Lns>,
    ) -> BoolTensor<Lns> {
        LnsPlainTensor::new(
            Flex::bool_slice_assign(tensor.tensor, slices, value.tensor),
            tensor.device,
        )
    }
    fn bool_into_int(tensor: BoolTensor<Lns>, out_dtype: burn_std::IntDType) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::bool_into_int(tensor.tensor, out_dtype), tensor.device)
    }
    fn bool_swap_dims(tensor: BoolTensor<Lns>, dim1: usize, dim2: usize) -> BoolTensor<Lns> {
        LnsPlainTensor::new(
            Flex::bool_swap_dims(tensor.tensor, dim1, dim2),
            tensor.device,
        )
    }
    fn bool_permute(tensor: BoolTensor<Lns>, axes: &[usize]) -> BoolTensor<Lns> {
        LnsPlainTensor::new(Flex::bool_permute(tensor.tensor, axes), tensor.device)
    }
    fn bool_flip(tensor: BoolTensor<Lns>, axes: &[usize]) -> BoolTensor<Lns> {
        LnsPlainTensor::new(Flex::bool_flip(tensor.tensor, axes), tensor.device)
    }
    fn bool_equal(lhs: BoolTensor<Lns>, rhs: BoolTensor<Lns>) -> BoolTensor<Lns> {
        LnsPlainTensor::new(Flex::bool_equal(lhs.tensor, rhs.tensor), lhs.device)
    }
    fn bool_not(tensor: BoolTensor<Lns>) -> BoolTensor<Lns> {
        LnsPlainTensor::new(Flex::bool_not(tensor.tensor), tensor.device)
    }
    fn bool_and(lhs: BoolTensor<Lns>, rhs: BoolTensor<Lns>) -> BoolTensor<Lns> {
        LnsPlainTensor::new(Flex::bool_and(lhs.tensor, rhs.tensor), lhs.device)
    }
    fn bool_or(lhs: BoolTensor<Lns>, rhs: BoolTensor<Lns>) -> BoolTensor<Lns> {
        LnsPlainTensor::new(Flex::bool_or(lhs.tensor, rhs.tensor), lhs.device)
    }
    fn bool_xor(lhs: BoolTensor<Lns>, rhs: BoolTensor<Lns>) -> BoolTensor<Lns> {
        LnsPlainTensor::new(Flex::bool_xor(lhs.tensor, rhs.tensor), lhs.device)
    }
    fn bool_expand(tensor: BoolTensor<Lns>, shape: Shape) -> BoolTensor<Lns> {
        LnsPlainTensor::new(Flex::bool_expand(tensor.tensor, shape), tensor.device)
    }
    fn bool_zeros(
        shape: Shape,
        device: &Device<Lns>,
        dtype: burn_std::BoolDType,
    ) -> BoolTensor<Lns> {
        LnsPlainTensor::new(Flex::bool_zeros(shape, &FlexDevice, dtype), device.clone())
    }
    fn bool_ones(
        shape: Shape,
        device: &Device<Lns>,
        dtype: burn_std::BoolDType,
    ) -> BoolTensor<Lns> {
        LnsPlainTensor::new(Flex::bool_ones(shape, &FlexDevice, dtype), device.clone())
    }
    fn bool_mask_where(
        tensor: BoolTensor<Lns>,
        mask: BoolTensor<Lns>,
        value: BoolTensor<Lns>,
    ) -> BoolTensor<Lns> {
        LnsPlainTensor::new(
            Flex::bool_mask_where(tensor.tensor, mask.tensor, value.tensor),
            tensor.device,
        )
    }
    fn bool_mask_fill(
        tensor: BoolTensor<Lns>,
        mask: BoolTensor<Lns>,
        value: burn_backend::Scalar,
    ) -> BoolTensor<Lns> {
        LnsPlainTensor::new(
            Flex::bool_mask_fill(tensor.tensor, mask.tensor, value),
            tensor.device,
        )
    }
    fn bool_gather(
        dim: usize,
        tensor: BoolTensor<Lns>,
        indices: IntTensor<Lns>,
    ) -> BoolTensor<Lns> {
        LnsPlainTensor::new(
            Flex::bool_gather(dim, tensor.tensor, indices.tensor),
            tensor.device,
        )
    }
    fn bool_scatter_or(
        dim: usize,
        tensor: BoolTensor<Lns>,
        indices: IntTensor<Lns>,
        value: BoolTensor<Lns>,
    ) -> BoolTensor<Lns> {
        LnsPlainTensor::new(
            Flex::bool_scatter_or(dim, tensor.tensor, indices.tensor, value.tensor),
            tensor.device,
        )
    }
    fn bool_equal_elem(lhs: BoolTensor<Lns>, rhs: burn_backend::Scalar) -> BoolTensor<Lns> {
        LnsPlainTensor::new(Flex::bool_equal_elem(lhs.tensor, rhs), lhs.device)
    }
    fn bool_unfold(
        tensor: BoolTensor<Lns>,
        dim: usize,
        size: usize,
        step: usize,
    ) -> BoolTensor<Lns> {
        LnsPlainTensor::new(
            Flex::bool_unfold(tensor.tensor, dim, size, step),
            tensor.device,
        )
    }
    fn bool_not_equal(lhs: BoolTensor<Lns>, rhs: BoolTensor<Lns>) -> BoolTensor<Lns> {
        LnsPlainTensor::new(Flex::bool_not_equal(lhs.tensor, rhs.tensor), lhs.device)
    }
    fn bool_not_equal_elem(lhs: BoolTensor<Lns>, rhs: burn_backend::Scalar) -> BoolTensor<Lns> {
        LnsPlainTensor::new(Flex::bool_not_equal_elem(lhs.tensor, rhs), lhs.device)
    }
    fn bool_any(tensor: BoolTensor<Lns>) -> BoolTensor<Lns> {
        LnsPlainTensor::new(Flex::bool_any(tensor.tensor), tensor.device)
    }
    fn bool_any_dim(tensor: BoolTensor<Lns>, dim: usize) -> BoolTensor<Lns> {
        LnsPlainTensor::new(Flex::bool_any_dim(tensor.tensor, dim), tensor.device)
    }
    fn bool_all(tensor: BoolTensor<Lns>) -> BoolTensor<Lns> {
        LnsPlainTensor::new(Flex::bool_all(tensor.tensor), tensor.device)
    }
    fn bool_all_dim(tensor: BoolTensor<Lns>, dim: usize) -> BoolTensor<Lns> {
        LnsPlainTensor::new(Flex::bool_all_dim(tensor.tensor, dim), tensor.device)
    }
    fn bool_select(
        tensor: BoolTensor<Lns>,
        dim: usize,
        indices: IntTensor<Lns>,
    ) -> BoolTensor<Lns> {
        LnsPlainTensor::new(
            Flex::bool_select(tensor.tensor, dim, indices.tensor),
            tensor.device,
        )
    }
    fn bool_select_or(
        tensor: BoolTensor<Lns>,
        dim: usize,
        indices: IntTensor<Lns>,
        value: BoolTensor<Lns>,
    ) -> BoolTensor<Lns> {
        LnsPlainTensor::new(
            Flex::bool_select_or(tensor.tensor, dim, indices.tensor, value.tensor),
            tensor.device,
        )
    }
    fn bool_transpose(tensor: BoolTensor<Lns>) -> BoolTensor<Lns> {
        LnsPlainTensor::new(Flex::bool_transpose(tensor.tensor), tensor.device)
    }
    fn bool_repeat_dim(tensor: BoolTensor<Lns>, dim: usize, times: usize) -> BoolTensor<Lns> {
        LnsPlainTensor::new(
            Flex::bool_repeat_dim(tensor.tensor, dim, times),
            tensor.device,
        )
    }
}
