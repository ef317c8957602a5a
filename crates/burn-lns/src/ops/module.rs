//! `ModuleOps` for [`Lns`]: convolutions (also deformable), pools, resampling,
//! attention, FFT.
//!
//! Burn's defaults (linear, embedding, conv backward passes through transposed
//! convolutions, 1-D through 2-D, unfold, layer norm, CTC) are kept: they are built
//! from the ops of this backend, so they compute in LNS too. The 2-D weight gradient
//! is computed the same way but returned row-major ([`conv2d_weight_gradient`]).

use burn_backend::TensorMetadata;
use burn_backend::ops::{
    AttentionModuleOptions, BoolTensorOps, ConvOptions, ConvTransposeOptions, DeformConv2dBackward,
    DeformConvOptions, FloatTensorOps, IntTensorOps, InterpolateOptions, MaxPool2dBackward,
    MaxPool2dWithIndices, ModuleOps, attention::attention_fallback,
};
use burn_backend::tensor::{BoolTensor, FloatTensor, IntTensor};
use burn_flex::Flex;
use burn_std::{BoolDType, IntDType, Shape, Slice};

use crate::backend::Lns;
use crate::kernels::conv::{Conv3, conv3, reshape, transpose_weight};
use crate::kernels::{self, deform, pool, resample};
use crate::tensor::{LnsPlainTensor, LnsTensor, contiguous, flex_from_vec};

/// Pads a spatial array of rank `N ≤ 3` to 3 dimensions with `fill` in front.
fn pad3<const N: usize, T: Copy>(a: [T; N], fill: T) -> [T; 3] {
    std::array::from_fn(|i| if i < 3 - N { fill } else { a[i - (3 - N)] })
}

/// Reshapes `[N, C, s…]` (rank N+2) to `[N, C, 1…, s…]` (rank 5).
fn to5(t: &LnsTensor) -> LnsTensor {
    let s = t.shape();
    let mut dims: Vec<usize> = s.iter().take(2).copied().collect();
    dims.extend(std::iter::repeat_n(1, 5 - s.num_dims()));
    dims.extend(s.iter().skip(2).copied());
    reshape(t, dims)
}

/// Drops the leading spatial ones added by [`to5`].
fn from5(t: LnsTensor, rank: usize) -> LnsTensor {
    let s = t.shape();
    let mut dims: Vec<usize> = s.iter().take(2).copied().collect();
    dims.extend(s.iter().skip(5 - (rank - 2)).copied());
    reshape(&t, dims)
}

fn conv_nd<const N: usize>(
    x: LnsTensor,
    weight: LnsTensor,
    bias: Option<LnsTensor>,
    o: ConvOptions<N>,
) -> LnsTensor {
    let rank = x.shape().num_dims();
    let p = Conv3 {
        stride: pad3(o.stride, 1),
        pad_before: pad3(o.padding, 0).map(|v| v as isize),
        pad_after: pad3(o.padding, 0).map(|v| v as isize),
        dilation: pad3(o.dilation, 1),
        input_dilation: [1; 3],
        groups: o.groups,
    };
    from5(conv3(to5(&x), to5(&weight), bias, p), rank)
}

fn conv_transpose_nd<const N: usize>(
    x: LnsTensor,
    weight: LnsTensor,
    bias: Option<LnsTensor>,
    o: ConvTransposeOptions<N>,
) -> LnsTensor {
    let rank = x.shape().num_dims();
    let ws = weight.shape();
    let kernel: [usize; N] = std::array::from_fn(|i| ws[2 + i]);
    let before: [isize; N] =
        std::array::from_fn(|i| (o.dilation[i] * (kernel[i] - 1)) as isize - o.padding[i] as isize);
    let p = Conv3 {
        stride: [1; 3],
        pad_before: pad3(before, 0),
        pad_after: pad3(
            std::array::from_fn::<isize, N, _>(|i| before[i] + o.padding_out[i] as isize),
            0,
        ),
        dilation: pad3(o.dilation, 1),
        input_dilation: pad3(o.stride, 1),
        groups: o.groups,
    };
    let w = transpose_weight(&weight, o.groups);
    from5(conv3(to5(&x), to5(&w), bias, p), rank)
}

/// `signal` with `dim` moved last and flattened to `[rows, len]`, plus the shape to
/// restore (with the last dimension to be replaced) and the permutation.
fn rows_along(t: &LnsTensor, dim: usize) -> (LnsTensor, Vec<usize>, Vec<usize>) {
    let rank = t.shape().num_dims();
    let mut axes: Vec<usize> = (0..rank).filter(|&d| d != dim).collect();
    axes.push(dim);
    let moved = Flex::int_permute(t.codes.clone(), &axes);
    let dims: Vec<usize> = moved.shape().iter().copied().collect();
    let len = dims[rank - 1];
    let rows = dims.iter().take(rank - 1).product::<usize>();
    let flat = t.with_codes(moved).reshaped(Shape::from(vec![rows, len]));
    (flat, dims, axes)
}

/// Inverse of [`rows_along`] for an output of `cols` columns.
fn unrows(out: LnsTensor, mut dims: Vec<usize>, axes: &[usize], cols: usize) -> LnsTensor {
    let rank = dims.len();
    dims[rank - 1] = cols;
    let t = out.reshaped(Shape::from(dims)).codes;
    let mut inverse = vec![0; rank];
    for (i, &a) in axes.iter().enumerate() {
        inverse[a] = i;
    }
    out.with_codes(Flex::int_permute(t, &inverse)).row_major()
}

/// An `[r, c]` constant matrix, encoded once on `like`'s device.
fn constant(like: &LnsTensor, r: usize, c: usize, f: impl Fn(usize, usize) -> f64) -> LnsTensor {
    let values: Vec<f64> = (0..r * c).map(|i| f(i / c, i % c)).collect();
    crate::tensor::encode_values(&values, Shape::from(vec![r, c]), &like.device, like.dtype)
}

/// Channels `first .. first + count` (axis 1) of `t`, as a view.
fn channels(t: &LnsTensor, first: usize, count: usize) -> LnsTensor {
    let s = t.shape();
    if first == 0 && count == s[1] {
        return t.clone();
    }
    let mut ranges: Vec<Slice> = s.iter().map(|&d| Slice::from(0..d)).collect();
    ranges[1] = Slice::from(first..first + count);
    Lns::float_slice(t.clone(), &ranges)
}

/// The gradient of a 2-D convolution's weight `[C_out, C_in/g, kh, kw]`, row-major.
///
/// Per group: the input with its batch and channel axes swapped, convolved with the
/// output gradient likewise swapped (stride and dilation exchanged), swapped back and
/// cropped to the kernel (a stride that does not divide the padded input leaves extra
/// taps); the groups stack along the output channels. Each entry is the canonical dot
/// product over `(n, y, x)`. The result is made row-major once: the optimizer reads a
/// gradient several times, and each read of a swapped view gathered it again.
fn conv2d_weight_gradient(
    x: &LnsTensor,
    weight_shape: &Shape,
    output_grad: &LnsTensor,
    o: &ConvOptions<2>,
) -> LnsTensor {
    let (groups, cig) = (o.groups, weight_shape[1]);
    let cog = weight_shape[0] / groups;
    let kernel = [
        Slice::from(0..cog),
        Slice::from(0..cig),
        Slice::from(0..weight_shape[2]),
        Slice::from(0..weight_shape[3]),
    ];
    let mut per_group: Vec<LnsTensor> = (0..groups)
        .map(|gi| {
            let xg = Lns::float_swap_dims(channels(x, gi * cig, cig), 0, 1);
            let dyg = Lns::float_swap_dims(channels(output_grad, gi * cog, cog), 0, 1);
            let options = ConvOptions::new(o.dilation, o.padding, o.stride, 1);
            let swapped = Lns::conv2d(xg, dyg, None, options);
            Lns::float_slice(Lns::float_swap_dims(swapped, 0, 1), &kernel)
        })
        .collect();
    let gradient = if groups == 1 {
        per_group.pop().expect("one group")
    } else {
        Lns::float_cat(per_group, 0)
    };
    gradient.row_major()
}

/// Panics for a request the backend cannot compute (`rfft`/`irfft` of length 0);
/// docs/ops.md lists each such case.
fn unsupported(op: &str, why: &str) -> ! {
    panic!("burn-lns: {op} is not supported: {why} (see docs/ops.md)")
}

impl ModuleOps<Lns> for Lns {
    fn conv1d(
        x: FloatTensor<Lns>,
        weight: FloatTensor<Lns>,
        bias: Option<FloatTensor<Lns>>,
        options: ConvOptions<1>,
    ) -> FloatTensor<Lns> {
        conv_nd(x, weight, bias, options)
    }

    fn conv2d_weight_backward(
        x: FloatTensor<Lns>,
        weight: FloatTensor<Lns>,
        output_grad: FloatTensor<Lns>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Lns> {
        conv2d_weight_gradient(&x, &weight.shape(), &output_grad, &options)
    }

    fn conv2d(
        x: FloatTensor<Lns>,
        weight: FloatTensor<Lns>,
        bias: Option<FloatTensor<Lns>>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Lns> {
        conv_nd(x, weight, bias, options)
    }

    fn deform_conv2d(
        x: FloatTensor<Lns>,
        offset: FloatTensor<Lns>,
        weight: FloatTensor<Lns>,
        mask: Option<FloatTensor<Lns>>,
        bias: Option<FloatTensor<Lns>>,
        options: DeformConvOptions<2>,
    ) -> FloatTensor<Lns> {
        deform::deform_conv2d(x, offset, weight, mask, bias, &options)
    }

    fn deform_conv2d_backward(
        x: FloatTensor<Lns>,
        offset: FloatTensor<Lns>,
        weight: FloatTensor<Lns>,
        mask: Option<FloatTensor<Lns>>,
        bias: Option<FloatTensor<Lns>>,
        output_grad: FloatTensor<Lns>,
        options: DeformConvOptions<2>,
    ) -> DeformConv2dBackward<Lns> {
        let g = deform::deform_conv2d_backward(
            x,
            offset,
            weight,
            mask,
            bias.is_some(),
            output_grad,
            &options,
        );
        DeformConv2dBackward::new(g.x, g.offset, g.weight, g.mask, g.bias)
    }

    fn conv3d(
        x: FloatTensor<Lns>,
        weight: FloatTensor<Lns>,
        bias: Option<FloatTensor<Lns>>,
        options: ConvOptions<3>,
    ) -> FloatTensor<Lns> {
        conv_nd(x, weight, bias, options)
    }

    fn conv_transpose1d(
        x: FloatTensor<Lns>,
        weight: FloatTensor<Lns>,
        bias: Option<FloatTensor<Lns>>,
        options: ConvTransposeOptions<1>,
    ) -> FloatTensor<Lns> {
        conv_transpose_nd(x, weight, bias, options)
    }

    fn conv_transpose2d(
        x: FloatTensor<Lns>,
        weight: FloatTensor<Lns>,
        bias: Option<FloatTensor<Lns>>,
        options: ConvTransposeOptions<2>,
    ) -> FloatTensor<Lns> {
        conv_transpose_nd(x, weight, bias, options)
    }

    fn conv_transpose3d(
        x: FloatTensor<Lns>,
        weight: FloatTensor<Lns>,
        bias: Option<FloatTensor<Lns>>,
        options: ConvTransposeOptions<3>,
    ) -> FloatTensor<Lns> {
        conv_transpose_nd(x, weight, bias, options)
    }

    fn avg_pool2d(
        x: FloatTensor<Lns>,
        kernel_size: [usize; 2],
        stride: [usize; 2],
        padding: [usize; 2],
        count_include_pad: bool,
        ceil_mode: bool,
    ) -> FloatTensor<Lns> {
        let s = x.shape();
        let out = |i: usize| {
            pool::pool_output_size(
                s[2 + i],
                kernel_size[i],
                padding[i],
                stride[i],
                1,
                ceil_mode,
            )
        };
        let wy = pool::avg_windows(s[2], out(0), kernel_size[0], stride[0], padding[0]);
        let wx = pool::avg_windows(s[3], out(1), kernel_size[1], stride[1], padding[1]);
        pool::avg_pool(&x, &wy, &wx, count_include_pad)
    }

    fn avg_pool2d_backward(
        x: FloatTensor<Lns>,
        grad: FloatTensor<Lns>,
        kernel_size: [usize; 2],
        stride: [usize; 2],
        padding: [usize; 2],
        count_include_pad: bool,
        _ceil_mode: bool,
    ) -> FloatTensor<Lns> {
        let s = x.shape();
        let g = grad.shape();
        let wy = pool::avg_windows(s[2], g[2], kernel_size[0], stride[0], padding[0]);
        let wx = pool::avg_windows(s[3], g[3], kernel_size[1], stride[1], padding[1]);
        pool::avg_pool_backward(&s, &grad, &wy, &wx, count_include_pad)
    }

    fn adaptive_avg_pool2d(x: FloatTensor<Lns>, output_size: [usize; 2]) -> FloatTensor<Lns> {
        let s = x.shape();
        let wy = pool::adaptive_windows(s[2], output_size[0]);
        let wx = pool::adaptive_windows(s[3], output_size[1]);
        pool::avg_pool(&x, &wy, &wx, false)
    }

    fn adaptive_avg_pool2d_backward(
        x: FloatTensor<Lns>,
        grad: FloatTensor<Lns>,
    ) -> FloatTensor<Lns> {
        let s = x.shape();
        let g = grad.shape();
        let wy = pool::adaptive_windows(s[2], g[2]);
        let wx = pool::adaptive_windows(s[3], g[3]);
        pool::avg_pool_backward(&s, &grad, &wy, &wx, false)
    }

    fn max_pool2d(
        x: FloatTensor<Lns>,
        kernel_size: [usize; 2],
        stride: [usize; 2],
        padding: [usize; 2],
        dilation: [usize; 2],
        ceil_mode: bool,
    ) -> FloatTensor<Lns> {
        Self::max_pool2d_with_indices(x, kernel_size, stride, padding, dilation, ceil_mode).output
    }

    fn max_pool2d_with_indices(
        x: FloatTensor<Lns>,
        kernel_size: [usize; 2],
        stride: [usize; 2],
        padding: [usize; 2],
        dilation: [usize; 2],
        ceil_mode: bool,
    ) -> MaxPool2dWithIndices<Lns> {
        let s = x.shape();
        let out = |i: usize| {
            pool::pool_output_size(
                s[2 + i],
                kernel_size[i],
                padding[i],
                stride[i],
                dilation[i],
                ceil_mode,
            )
        };
        let wy = pool::max_windows(
            s[2],
            out(0),
            kernel_size[0],
            stride[0],
            padding[0],
            dilation[0],
        );
        let wx = pool::max_windows(
            s[3],
            out(1),
            kernel_size[1],
            stride[1],
            padding[1],
            dilation[1],
        );
        let (output, idx) = pool::max_pool(&x, &wy, &wx);
        let shape = output.shape();
        let indices = LnsPlainTensor::new(flex_from_vec(idx, shape), x.device.clone());
        MaxPool2dWithIndices::new(output, indices)
    }

    fn max_pool2d_with_indices_backward(
        x: FloatTensor<Lns>,
        _kernel_size: [usize; 2],
        _stride: [usize; 2],
        _padding: [usize; 2],
        _dilation: [usize; 2],
        _ceil_mode: bool,
        output_grad: FloatTensor<Lns>,
        indices: IntTensor<Lns>,
    ) -> MaxPool2dBackward<Lns> {
        let idx = kernels::int_values_i64(&indices.tensor);
        MaxPool2dBackward::new(pool::max_pool_backward(
            &x.shape(),
            &output_grad,
            &contiguous::<i64>(&idx),
        ))
    }

    fn interpolate(
        x: FloatTensor<Lns>,
        output_size: [usize; 2],
        options: InterpolateOptions,
    ) -> FloatTensor<Lns> {
        let s = x.shape();
        let ty = resample::axis_taps(&options.mode, s[2], output_size[0], options.align_corners);
        let tx = resample::axis_taps(&options.mode, s[3], output_size[1], options.align_corners);
        resample::resample(&x, &ty, &tx)
    }

    fn interpolate_backward(
        x: FloatTensor<Lns>,
        grad: FloatTensor<Lns>,
        output_size: [usize; 2],
        options: InterpolateOptions,
    ) -> FloatTensor<Lns> {
        let s = x.shape();
        let ty = resample::axis_taps(&options.mode, s[2], output_size[0], options.align_corners);
        let tx = resample::axis_taps(&options.mode, s[3], output_size[1], options.align_corners);
        resample::resample_backward(&s, &grad, &ty, &tx)
    }

    fn attention(
        query: FloatTensor<Lns>,
        key: FloatTensor<Lns>,
        value: FloatTensor<Lns>,
        mask: Option<BoolTensor<Lns>>,
        attn_bias: Option<FloatTensor<Lns>>,
        options: AttentionModuleOptions,
    ) -> FloatTensor<Lns> {
        let [b, h, seq_q, _] = query.shape().dims::<4>();
        let seq_k = key.shape().dims::<4>()[2];
        let device = query.device.clone();
        let masked = fully_masked_rows([b, h, seq_q, seq_k], mask.clone(), options, &device);
        let out = attention_fallback::<Lns>(query, key, value, mask, attn_bias, options);
        match masked {
            Some(rows) => {
                let rows = Lns::bool_expand(rows, out.shape());
                Lns::float_mask_fill(out, rows, 0f32.into())
            }
            None => out,
        }
    }

    fn rfft(
        signal: FloatTensor<Lns>,
        dim: usize,
        n: Option<usize>,
    ) -> (FloatTensor<Lns>, FloatTensor<Lns>) {
        let (rows, dims, axes) = rows_along(&signal, dim);
        let len = dims[dims.len() - 1];
        let n = n.unwrap_or(len);
        if n == 0 {
            unsupported("rfft", "a transform of length 0 is undefined");
        }
        let bins = n / 2 + 1;
        let used = len.min(n);
        let x = if used < len {
            rows.with_codes(rows.codes.narrow(1, 0, used))
        } else {
            rows
        };
        let w = |k: usize, t: usize| 2.0 * std::f64::consts::PI * (k * t % n) as f64 / n as f64;
        let cr = constant(&x, used, bins, |t, k| w(k, t).cos());
        let ci = constant(&x, used, bins, |t, k| -w(k, t).sin());
        let re = Lns::float_matmul(x.clone(), cr);
        let im = Lns::float_matmul(x, ci);
        (
            unrows(re, dims.clone(), &axes, bins),
            unrows(im, dims, &axes, bins),
        )
    }

    fn irfft(
        spectrum_re: FloatTensor<Lns>,
        spectrum_im: FloatTensor<Lns>,
        dim: usize,
        n: Option<usize>,
    ) -> FloatTensor<Lns> {
        let (re, dims, axes) = rows_along(&spectrum_re, dim);
        let (im, _, _) = rows_along(&kernels::to_device(spectrum_im, &spectrum_re.device), dim);
        let m = dims[dims.len() - 1];
        let n = n.unwrap_or(2 * m.saturating_sub(1));
        if n == 0 {
            unsupported("irfft", "a transform of length 0 is undefined");
        }
        let used = m.min(n / 2 + 1);
        let re = re.with_codes(re.codes.narrow(1, 0, used));
        let im = im.with_codes(im.codes.narrow(1, 0, used));
        let x = Lns::float_cat(vec![re, im], 1);
        let weight = |k: usize| {
            if k == 0 || (n.is_multiple_of(2) && k == n / 2) {
                1.0
            } else {
                2.0
            }
        };
        let w = |k: usize, t: usize| 2.0 * std::f64::consts::PI * (k * t % n) as f64 / n as f64;
        let basis = constant(&x, 2 * used, n, |r, t| {
            if r < used {
                weight(r) * w(r, t).cos() / n as f64
            } else {
                let k = r - used;
                if k == 0 || (n.is_multiple_of(2) && k == n / 2) {
                    0.0
                } else {
                    -weight(k) * w(k, t).sin() / n as f64
                }
            }
        });
        unrows(Lns::float_matmul(x, basis), dims, &axes, n)
    }
}

/// The rows of attention scores of shape `[b, h, seq_q, seq_k]` that the mask and the
/// causal rule (a column masked past `row + seq_k − seq_q`, as Burn's fallback builds it)
/// mask entirely, as `[b, h, seq_q, 1]`; `None` where no row can be. Burn's fallback
/// gives such rows 0 by masking with −∞, which LNS cannot hold: its −max leaves a
/// uniform softmax, so [`ModuleOps::attention`] zeroes them afterwards.
fn fully_masked_rows(
    [b, h, seq_q, seq_k]: [usize; 4],
    mask: Option<BoolTensor<Lns>>,
    options: AttentionModuleOptions,
    device: &crate::LnsDevice,
) -> Option<BoolTensor<Lns>> {
    // Causal alone masks whole rows only where the queries outnumber the keys.
    if mask.is_none() && !(options.is_causal && seq_q > seq_k) {
        return None;
    }
    let full = Shape::new([b, h, seq_q, seq_k]);
    let causal = options.is_causal.then(|| {
        let offset = seq_k as i64 - seq_q as i64;
        let rows = Lns::int_arange(0..seq_q as i64, device, IntDType::I64);
        let rows = Lns::int_reshape(rows, Shape::new([seq_q, 1]));
        let cols = Lns::int_reshape(
            Lns::int_arange(0..seq_k as i64, device, IntDType::I64),
            Shape::new([1, seq_k]),
        );
        let past = Lns::int_lower(
            Lns::int_add_scalar(rows, offset.into()),
            cols,
            BoolDType::Native,
        );
        Lns::bool_expand(
            Lns::bool_reshape(past, Shape::new([1, 1, seq_q, seq_k])),
            full.clone(),
        )
    });
    let masked = match (mask, causal) {
        (Some(m), Some(c)) => Lns::bool_or(Lns::bool_expand(m, full), c),
        (Some(m), None) => Lns::bool_expand(m, full),
        (None, Some(c)) => c,
        (None, None) => unreachable!("returned above: no mask and no causal rule"),
    };
    Some(Lns::bool_all_dim(masked, 3))
}
