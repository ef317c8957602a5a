//! `IntTensorOps` for [`Lns`]: burn-flex's int tensors, tagged with the LNS device.

use burn_backend::ops::IntTensorOps;
use burn_backend::tensor::{BoolTensor, Device, FloatTensor, IntTensor};
use burn_backend::{Distribution, ExecutionError, Scalar, TensorData, TensorMetadata};
use burn_flex::{Flex, FlexDevice};
use burn_std::{FloatDType, IntDType, Shape, Slice};

use crate::backend::Lns;
use crate::kernels;
use crate::ops::float::interchange;
use crate::tensor::{LnsPlainTensor, encode_values};

impl IntTensorOps<Lns> for Lns {
    fn int_from_data(data: TensorData, device: &Device<Lns>) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_from_data(data, &FlexDevice), device.clone())
    }

    async fn int_into_data(tensor: IntTensor<Lns>) -> Result<TensorData, ExecutionError> {
        Flex::int_into_data(tensor.tensor).await
    }

    fn int_device(tensor: &IntTensor<Lns>) -> Device<Lns> {
        tensor.device.clone()
    }

    fn int_to_device(tensor: IntTensor<Lns>, device: &Device<Lns>) -> IntTensor<Lns> {
        LnsPlainTensor::new(tensor.tensor, device.clone())
    }

    fn int_into_float(tensor: IntTensor<Lns>, out_dtype: FloatDType) -> FloatTensor<Lns> {
        let values: Vec<f64> = kernels::int_values(&tensor.tensor)
            .into_iter()
            .map(|v| v as f64)
            .collect();
        encode_values(
            &values,
            tensor.shape(),
            &tensor.device,
            interchange(out_dtype),
        )
    }

    fn int_random(
        shape: Shape,
        distribution: Distribution,
        device: &Device<Lns>,
        dtype: IntDType,
    ) -> IntTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_random(shape, distribution, &FlexDevice, dtype),
            device.clone(),
        )
    }

    fn int_argtopk(tensor: IntTensor<Lns>, dim: usize, k: usize) -> IntTensor<Lns> {
        let device = tensor.device.clone();
        let idx = Flex::int_argsort(tensor.tensor, dim, true);
        LnsPlainTensor::new(idx.narrow(dim, 0, k), device)
    }

    fn int_cat(tensors: Vec<IntTensor<Lns>>, dim: usize) -> IntTensor<Lns> {
        let device = tensors
            .first()
            .map(|t| t.device.clone())
            .unwrap_or_default();
        LnsPlainTensor::new(
            Flex::int_cat(tensors.into_iter().map(|t| t.tensor).collect(), dim),
            device,
        )
    }
    fn int_reshape(tensor: IntTensor<Lns>, shape: Shape) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_reshape(tensor.tensor, shape), tensor.device)
    }
    fn int_slice(tensor: IntTensor<Lns>, slices: &[Slice]) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_slice(tensor.tensor, slices), tensor.device)
    }
    fn int_empty(shape: Shape, device: &Device<Lns>, dtype: IntDType) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_empty(shape, &FlexDevice, dtype), device.clone())
    }
    fn int_mask_where(
        tensor: IntTensor<Lns>,
        mask: BoolTensor<Lns>,
        value: IntTensor<Lns>,
    ) -> IntTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_mask_where(tensor.tensor, mask.tensor, value.tensor),
            tensor.device,
        )
    }
    fn int_mask_fill(
        tensor: IntTensor<Lns>,
        mask: BoolTensor<Lns>,
        value: Scalar,
    ) -> IntTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_mask_fill(tensor.tensor, mask.tensor, value),
            tensor.device,
        )
    }
    fn int_slice_assign(
        tensor: IntTensor<Lns>,
        slices: &[Slice],
        value: IntTensor<Lns>,
    ) -> IntTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_slice_assign(tensor.tensor, slices, value.tensor),
            tensor.device,
        )
    }
    fn int_gather(dim: usize, tensor: IntTensor<Lns>, indices: IntTensor<Lns>) -> IntTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_gather(dim, tensor.tensor, indices.tensor),
            tensor.device,
        )
    }
    fn int_scatter_add(
        dim: usize,
        tensor: IntTensor<Lns>,
        indices: IntTensor<Lns>,
        value: IntTensor<Lns>,
    ) -> IntTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_scatter_add(dim, tensor.tensor, indices.tensor, value.tensor),
            tensor.device,
        )
    }
    fn int_scatter_nd(
        data: IntTensor<Lns>,
        indices: IntTensor<Lns>,
        values: IntTensor<Lns>,
        reduction: burn_backend::tensor::IndexingUpdateOp,
    ) -> IntTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_scatter_nd(data.tensor, indices.tensor, values.tensor, reduction),
            data.device,
        )
    }
    fn int_gather_nd(data: IntTensor<Lns>, indices: IntTensor<Lns>) -> IntTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_gather_nd(data.tensor, indices.tensor),
            data.device,
        )
    }
    fn int_select(tensor: IntTensor<Lns>, dim: usize, indices: IntTensor<Lns>) -> IntTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_select(tensor.tensor, dim, indices.tensor),
            tensor.device,
        )
    }
    fn int_select_add(
        tensor: IntTensor<Lns>,
        dim: usize,
        indices: IntTensor<Lns>,
        value: IntTensor<Lns>,
    ) -> IntTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_select_add(tensor.tensor, dim, indices.tensor, value.tensor),
            tensor.device,
        )
    }
    fn int_equal(
        lhs: IntTensor<Lns>,
        rhs: IntTensor<Lns>,
        out_dtype: burn_std::BoolDType,
    ) -> BoolTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_equal(lhs.tensor, rhs.tensor, out_dtype),
            lhs.device,
        )
    }
    fn int_equal_elem(
        lhs: IntTensor<Lns>,
        rhs: Scalar,
        out_dtype: burn_std::BoolDType,
    ) -> BoolTensor<Lns> {
        LnsPlainTensor::new(Flex::int_equal_elem(lhs.tensor, rhs, out_dtype), lhs.device)
    }
    fn int_greater(
        lhs: IntTensor<Lns>,
        rhs: IntTensor<Lns>,
        out_dtype: burn_std::BoolDType,
    ) -> BoolTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_greater(lhs.tensor, rhs.tensor, out_dtype),
            lhs.device,
        )
    }
    fn int_greater_elem(
        lhs: IntTensor<Lns>,
        rhs: Scalar,
        out_dtype: burn_std::BoolDType,
    ) -> BoolTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_greater_elem(lhs.tensor, rhs, out_dtype),
            lhs.device,
        )
    }
    fn int_greater_equal(
        lhs: IntTensor<Lns>,
        rhs: IntTensor<Lns>,
        out_dtype: burn_std::BoolDType,
    ) -> BoolTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_greater_equal(lhs.tensor, rhs.tensor, out_dtype),
            lhs.device,
        )
    }
    fn int_greater_equal_elem(
        lhs: IntTensor<Lns>,
        rhs: Scalar,
        out_dtype: burn_std::BoolDType,
    ) -> BoolTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_greater_equal_elem(lhs.tensor, rhs, out_dtype),
            lhs.device,
        )
    }
    fn int_lower(
        lhs: IntTensor<Lns>,
        rhs: IntTensor<Lns>,
        out_dtype: burn_std::BoolDType,
    ) -> BoolTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_lower(lhs.tensor, rhs.tensor, out_dtype),
            lhs.device,
        )
    }
    fn int_lower_elem(
        lhs: IntTensor<Lns>,
        rhs: Scalar,
        out_dtype: burn_std::BoolDType,
    ) -> BoolTensor<Lns> {
        LnsPlainTensor::new(Flex::int_lower_elem(lhs.tensor, rhs, out_dtype), lhs.device)
    }
    fn int_lower_equal(
        lhs: IntTensor<Lns>,
        rhs: IntTensor<Lns>,
        out_dtype: burn_std::BoolDType,
    ) -> BoolTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_lower_equal(lhs.tensor, rhs.tensor, out_dtype),
            lhs.device,
        )
    }
    fn int_lower_equal_elem(
        lhs: IntTensor<Lns>,
        rhs: Scalar,
        out_dtype: burn_std::BoolDType,
    ) -> BoolTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_lower_equal_elem(lhs.tensor, rhs, out_dtype),
            lhs.device,
        )
    }
    fn int_add(lhs: IntTensor<Lns>, rhs: IntTensor<Lns>) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_add(lhs.tensor, rhs.tensor), lhs.device)
    }
    fn int_add_scalar(lhs: IntTensor<Lns>, rhs: Scalar) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_add_scalar(lhs.tensor, rhs), lhs.device)
    }
    fn int_sub(lhs: IntTensor<Lns>, rhs: IntTensor<Lns>) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_sub(lhs.tensor, rhs.tensor), lhs.device)
    }
    fn int_sub_scalar(lhs: IntTensor<Lns>, rhs: Scalar) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_sub_scalar(lhs.tensor, rhs), lhs.device)
    }
    fn int_mul(lhs: IntTensor<Lns>, rhs: IntTensor<Lns>) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_mul(lhs.tensor, rhs.tensor), lhs.device)
    }
    fn int_mul_scalar(lhs: IntTensor<Lns>, rhs: Scalar) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_mul_scalar(lhs.tensor, rhs), lhs.device)
    }
    fn int_div(lhs: IntTensor<Lns>, rhs: IntTensor<Lns>) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_div(lhs.tensor, rhs.tensor), lhs.device)
    }
    fn int_div_scalar(lhs: IntTensor<Lns>, rhs: Scalar) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_div_scalar(lhs.tensor, rhs), lhs.device)
    }
    fn int_remainder(lhs: IntTensor<Lns>, rhs: IntTensor<Lns>) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_remainder(lhs.tensor, rhs.tensor), lhs.device)
    }
    fn int_remainder_scalar(lhs: IntTensor<Lns>, rhs: Scalar) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_remainder_scalar(lhs.tensor, rhs), lhs.device)
    }
    fn int_swap_dims(tensor: IntTensor<Lns>, dim1: usize, dim2: usize) -> IntTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_swap_dims(tensor.tensor, dim1, dim2),
            tensor.device,
        )
    }
    fn int_permute(tensor: IntTensor<Lns>, axes: &[usize]) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_permute(tensor.tensor, axes), tensor.device)
    }
    fn int_flip(tensor: IntTensor<Lns>, axes: &[usize]) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_flip(tensor.tensor, axes), tensor.device)
    }
    fn int_expand(tensor: IntTensor<Lns>, shape: Shape) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_expand(tensor.tensor, shape), tensor.device)
    }
    fn int_matmul(lhs: IntTensor<Lns>, rhs: IntTensor<Lns>) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_matmul(lhs.tensor, rhs.tensor), lhs.device)
    }
    fn int_sum(tensor: IntTensor<Lns>) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_sum(tensor.tensor), tensor.device)
    }
    fn int_sum_dim(tensor: IntTensor<Lns>, dim: usize) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_sum_dim(tensor.tensor, dim), tensor.device)
    }
    fn int_prod(tensor: IntTensor<Lns>) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_prod(tensor.tensor), tensor.device)
    }
    fn int_prod_dim(tensor: IntTensor<Lns>, dim: usize) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_prod_dim(tensor.tensor, dim), tensor.device)
    }
    fn int_mean_dim(tensor: IntTensor<Lns>, dim: usize) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_mean_dim(tensor.tensor, dim), tensor.device)
    }
    fn int_cumsum(tensor: IntTensor<Lns>, dim: usize) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_cumsum(tensor.tensor, dim), tensor.device)
    }
    fn int_cumprod(tensor: IntTensor<Lns>, dim: usize) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_cumprod(tensor.tensor, dim), tensor.device)
    }
    fn int_cummin(tensor: IntTensor<Lns>, dim: usize) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_cummin(tensor.tensor, dim), tensor.device)
    }
    fn int_cummax(tensor: IntTensor<Lns>, dim: usize) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_cummax(tensor.tensor, dim), tensor.device)
    }
    fn int_argmax(tensor: IntTensor<Lns>, dim: usize) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_argmax(tensor.tensor, dim), tensor.device)
    }
    fn int_argmin(tensor: IntTensor<Lns>, dim: usize) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_argmin(tensor.tensor, dim), tensor.device)
    }
    fn int_abs(tensor: IntTensor<Lns>) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_abs(tensor.tensor), tensor.device)
    }
    fn bitwise_and(lhs: IntTensor<Lns>, rhs: IntTensor<Lns>) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::bitwise_and(lhs.tensor, rhs.tensor), lhs.device)
    }
    fn bitwise_and_scalar(lhs: IntTensor<Lns>, rhs: Scalar) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::bitwise_and_scalar(lhs.tensor, rhs), lhs.device)
    }
    fn bitwise_or(lhs: IntTensor<Lns>, rhs: IntTensor<Lns>) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::bitwise_or(lhs.tensor, rhs.tensor), lhs.device)
    }
    fn bitwise_or_scalar(lhs: IntTensor<Lns>, rhs: Scalar) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::bitwise_or_scalar(lhs.tensor, rhs), lhs.device)
    }
    fn bitwise_xor(lhs: IntTensor<Lns>, rhs: IntTensor<Lns>) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::bitwise_xor(lhs.tensor, rhs.tensor), lhs.device)
    }
    fn bitwise_xor_scalar(lhs: IntTensor<Lns>, rhs: Scalar) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::bitwise_xor_scalar(lhs.tensor, rhs), lhs.device)
    }
    fn bitwise_not(tensor: IntTensor<Lns>) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::bitwise_not(tensor.tensor), tensor.device)
    }
    fn bitwise_left_shift(lhs: IntTensor<Lns>, rhs: IntTensor<Lns>) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::bitwise_left_shift(lhs.tensor, rhs.tensor), lhs.device)
    }
    fn bitwise_left_shift_scalar(lhs: IntTensor<Lns>, rhs: Scalar) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::bitwise_left_shift_scalar(lhs.tensor, rhs), lhs.device)
    }
    fn bitwise_right_shift(lhs: IntTensor<Lns>, rhs: IntTensor<Lns>) -> IntTensor<Lns> {
        LnsPlainTensor::new(
            Flex::bitwise_right_shift(lhs.tensor, rhs.tensor),
            lhs.device,
        )
    }
    fn bitwise_right_shift_scalar(lhs: IntTensor<Lns>, rhs: Scalar) -> IntTensor<Lns> {
        LnsPlainTensor::new(
            Flex::bitwise_right_shift_scalar(lhs.tensor, rhs),
            lhs.device,
        )
    }
    fn int_cast(tensor: IntTensor<Lns>, dtype: IntDType) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_cast(tensor.tensor, dtype), tensor.device)
    }
    fn int_unfold(tensor: IntTensor<Lns>, dim: usize, size: usize, step: usize) -> IntTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_unfold(tensor.tensor, dim, size, step),
            tensor.device,
        )
    }
    fn int_neg(tensor: IntTensor<Lns>) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_neg(tensor.tensor), tensor.device)
    }
    fn int_clamp(tensor: IntTensor<Lns>, min: Scalar, max: Scalar) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_clamp(tensor.tensor, min, max), tensor.device)
    }
    fn int_clamp_min(tensor: IntTensor<Lns>, min: Scalar) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_clamp_min(tensor.tensor, min), tensor.device)
    }
    fn int_clamp_max(tensor: IntTensor<Lns>, max: Scalar) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_clamp_max(tensor.tensor, max), tensor.device)
    }
    fn int_sign(tensor: IntTensor<Lns>) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_sign(tensor.tensor), tensor.device)
    }
    fn int_mean(tensor: IntTensor<Lns>) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_mean(tensor.tensor), tensor.device)
    }
    fn int_max(tensor: IntTensor<Lns>) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_max(tensor.tensor), tensor.device)
    }
    fn int_max_dim(tensor: IntTensor<Lns>, dim: usize) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_max_dim(tensor.tensor, dim), tensor.device)
    }
    fn int_min(tensor: IntTensor<Lns>) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_min(tensor.tensor), tensor.device)
    }
    fn int_min_dim(tensor: IntTensor<Lns>, dim: usize) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_min_dim(tensor.tensor, dim), tensor.device)
    }
    fn int_max_dim_with_indices(
        tensor: IntTensor<Lns>,
        dim: usize,
    ) -> (IntTensor<Lns>, IntTensor<Lns>) {
        let device = tensor.device.clone();
        let (a, b) = Flex::int_max_dim_with_indices(tensor.tensor, dim);
        (
            LnsPlainTensor::new(a, device.clone()),
            LnsPlainTensor::new(b, device),
        )
    }
    fn int_min_dim_with_indices(
        tensor: IntTensor<Lns>,
        dim: usize,
    ) -> (IntTensor<Lns>, IntTensor<Lns>) {
        let device = tensor.device.clone();
        let (a, b) = Flex::int_min_dim_with_indices(tensor.tensor, dim);
        (
            LnsPlainTensor::new(a, device.clone()),
            LnsPlainTensor::new(b, device),
        )
    }
    fn int_any(tensor: IntTensor<Lns>, out_dtype: burn_std::BoolDType) -> BoolTensor<Lns> {
        LnsPlainTensor::new(Flex::int_any(tensor.tensor, out_dtype), tensor.device)
    }
    fn int_any_dim(
        tensor: IntTensor<Lns>,
        dim: usize,
        out_dtype: burn_std::BoolDType,
    ) -> BoolTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_any_dim(tensor.tensor, dim, out_dtype),
            tensor.device,
        )
    }
    fn int_all(tensor: IntTensor<Lns>, out_dtype: burn_std::BoolDType) -> BoolTensor<Lns> {
        LnsPlainTensor::new(Flex::int_all(tensor.tensor, out_dtype), tensor.device)
    }
    fn int_all_dim(
        tensor: IntTensor<Lns>,
        dim: usize,
        out_dtype: burn_std::BoolDType,
    ) -> BoolTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_all_dim(tensor.tensor, dim, out_dtype),
            tensor.device,
        )
    }
    fn int_powi(lhs: IntTensor<Lns>, rhs: IntTensor<Lns>) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_powi(lhs.tensor, rhs.tensor), lhs.device)
    }
    fn int_zeros(shape: Shape, device: &Device<Lns>, dtype: IntDType) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_zeros(shape, &FlexDevice, dtype), device.clone())
    }
    fn int_ones(shape: Shape, device: &Device<Lns>, dtype: IntDType) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_ones(shape, &FlexDevice, dtype), device.clone())
    }
    fn int_full(
        shape: Shape,
        fill_value: burn_backend::Scalar,
        device: &Device<Lns>,
        dtype: IntDType,
    ) -> IntTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_full(shape, fill_value, &FlexDevice, dtype),
            device.clone(),
        )
    }
    fn int_transpose(tensor: IntTensor<Lns>) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_transpose(tensor.tensor), tensor.device)
    }
    fn int_repeat_dim(tensor: IntTensor<Lns>, dim: usize, times: usize) -> IntTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_repeat_dim(tensor.tensor, dim, times),
            tensor.device,
        )
    }
    fn int_not_equal(
        lhs: IntTensor<Lns>,
        rhs: IntTensor<Lns>,
        out_dtype: burn_std::BoolDType,
    ) -> BoolTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_not_equal(lhs.tensor, rhs.tensor, out_dtype),
            lhs.device,
        )
    }
    fn int_not_equal_elem(
        lhs: IntTensor<Lns>,
        rhs: burn_backend::Scalar,
        out_dtype: burn_std::BoolDType,
    ) -> BoolTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_not_equal_elem(lhs.tensor, rhs, out_dtype),
            lhs.device,
        )
    }
    fn int_sort(tensor: IntTensor<Lns>, dim: usize, descending: bool) -> IntTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_sort(tensor.tensor, dim, descending),
            tensor.device,
        )
    }
    fn int_sort_with_indices(
        tensor: IntTensor<Lns>,
        dim: usize,
        descending: bool,
    ) -> (IntTensor<Lns>, IntTensor<Lns>) {
        let device = tensor.device.clone();
        let (a, b) = Flex::int_sort_with_indices(tensor.tensor, dim, descending);
        (
            LnsPlainTensor::new(a, device.clone()),
            LnsPlainTensor::new(b, device),
        )
    }
    fn int_argsort(tensor: IntTensor<Lns>, dim: usize, descending: bool) -> IntTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_argsort(tensor.tensor, dim, descending),
            tensor.device,
        )
    }
    fn int_powi_scalar(lhs: IntTensor<Lns>, rhs: burn_backend::Scalar) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_powi_scalar(lhs.tensor, rhs), lhs.device)
    }
    fn int_powi_scalar_impl(lhs: IntTensor<Lns>, rhs: burn_backend::Scalar) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_powi_scalar_impl(lhs.tensor, rhs), lhs.device)
    }
    fn int_max_abs(tensor: IntTensor<Lns>) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_max_abs(tensor.tensor), tensor.device)
    }
    fn int_max_abs_dim(tensor: IntTensor<Lns>, dim: usize) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_max_abs_dim(tensor.tensor, dim), tensor.device)
    }
    fn int_arange(
        range: core::ops::Range<i64>,
        device: &Device<Lns>,
        dtype: IntDType,
    ) -> IntTensor<Lns> {
        LnsPlainTensor::new(Flex::int_arange(range, &FlexDevice, dtype), device.clone())
    }
    fn int_arange_step(
        range: core::ops::Range<i64>,
        step: usize,
        device: &Device<Lns>,
        dtype: IntDType,
    ) -> IntTensor<Lns> {
        LnsPlainTensor::new(
            Flex::int_arange_step(range, step, &FlexDevice, dtype),
            device.clone(),
        )
    }
}
