//! `deform_conv2d` and its backward pass: the forward against burn-flex f32 (offset
//! groups, weight groups, with and without mask and bias, stride, padding, dilation,
//! offsets pointing outside the image), all five gradients against `Autodiff<Flex>`,
//! two exact properties (zero offsets give `conv2d`'s codes; offsets that encode
//! integers move codes), and identical codes on 1, 2 and 3 rayon threads and on every
//! SIMD level.

use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::module as m;
use burn::tensor::ops::{ConvOptions, DeformConvOptions, ModuleOps};
use burn::tensor::{Tensor, TensorData};
use burn_lns::{Lns, LnsDevice};
use lns_core::kernels::SimdLevel;

use crate::code_checks::{assert_same_codes, codes, on_threads, thread_counts_agree};
use crate::common::{Out, Preset, Q, Rng, Tol, cases, grad_cases, o, weighted};

/// One deformable convolution: input `[n, c, h, w]`, `co` output channels, the kernel,
/// the options, whether it has a mask and a bias, and the range of its offsets.
#[derive(Debug, Clone, Copy)]
struct Config {
    x: [usize; 4],
    co: usize,
    kernel: [usize; 2],
    stride: [usize; 2],
    padding: [usize; 2],
    dilation: [usize; 2],
    weight_groups: usize,
    offset_groups: usize,
    mask: bool,
    bias: bool,
    offsets: (f32, f32),
    seed: u64,
}

/// Two offset groups, a mask and a bias; offsets within ±2.5 pixels.
const OFFSET_GROUPS_MASK: Config = Config {
    x: [2, 4, 6, 5],
    co: 4,
    kernel: [3, 3],
    stride: [1, 1],
    padding: [1, 1],
    dilation: [1, 1],
    weight_groups: 1,
    offset_groups: 2,
    mask: true,
    bias: true,
    offsets: (-2.5, 2.5),
    seed: 1,
};

/// Two weight groups, stride 2, unequal padding, no mask.
const WEIGHT_GROUPS_STRIDE_PADDING: Config = Config {
    x: [2, 4, 7, 6],
    co: 6,
    kernel: [3, 2],
    stride: [2, 2],
    padding: [1, 2],
    dilation: [1, 1],
    weight_groups: 2,
    offset_groups: 1,
    mask: false,
    bias: true,
    offsets: (-2.0, 2.0),
    seed: 2,
};

/// Dilation 2, two weight groups and three offset groups (which straddle the weight
/// groups), a mask, no bias.
const DILATION_BOTH_GROUPS: Config = Config {
    x: [1, 6, 7, 7],
    co: 4,
    kernel: [2, 3],
    stride: [1, 2],
    padding: [2, 1],
    dilation: [2, 2],
    weight_groups: 2,
    offset_groups: 3,
    mask: true,
    bias: false,
    offsets: (-2.5, 2.5),
    seed: 3,
};

/// Offsets up to ±7 pixels on a 5×4 image: many samples fall wholly or partly outside.
const OFFSETS_OUTSIDE: Config = Config {
    x: [2, 2, 5, 4],
    co: 3,
    kernel: [3, 3],
    stride: [1, 1],
    padding: [0, 0],
    dilation: [1, 1],
    weight_groups: 1,
    offset_groups: 1,
    mask: true,
    bias: true,
    offsets: (-7.0, 7.0),
    seed: 4,
};

/// The tensors of one configuration.
struct Inputs<B: Backend> {
    x: Tensor<B, 4>,
    offset: Tensor<B, 4>,
    weight: Tensor<B, 4>,
    mask: Option<Tensor<B, 4>>,
    bias: Option<Tensor<B, 1>>,
    options: DeformConvOptions<2>,
}

/// Seeded offsets in `[lo, hi)`, kept at least 0.05 away from integers, rounded to the
/// preset. Both backends then agree on every integer part `⌊Δ⌋`: near an integer the
/// two sides differ (a code that encodes an integer *is* that integer for `Lns`, but
/// decodes slightly below it for non-powers of two) and the offset gradient jumps.
fn offsets<B: Backend>(
    q: &Q,
    shape: [usize; 4],
    seed: u64,
    (lo, hi): (f32, f32),
    d: &B::Device,
) -> Tensor<B, 4> {
    let n = shape.iter().product();
    let mut rng = Rng::new(seed);
    let raw = (0..n)
        .map(|_| {
            let v = rng.uniform(lo, hi);
            if (v - v.round()).abs() < 0.05 {
                v + 0.1
            } else {
                v
            }
        })
        .collect();
    Tensor::from_data(TensorData::new(q.round(raw), shape), d)
}

impl Config {
    /// Output height and width (Burn's convolution rule).
    fn out(&self) -> [usize; 2] {
        std::array::from_fn(|a| {
            (self.x[2 + a] + 2 * self.padding[a] - self.dilation[a] * (self.kernel[a] - 1) - 1)
                / self.stride[a]
                + 1
        })
    }

    fn options(&self) -> DeformConvOptions<2> {
        DeformConvOptions::new(
            self.stride,
            self.padding,
            self.dilation,
            self.weight_groups,
            self.offset_groups,
        )
    }

    fn inputs<B: Backend>(&self, q: &Q, d: &B::Device) -> Inputs<B> {
        let [n, c, _, _] = self.x;
        let [oh, ow] = self.out();
        let taps = self.offset_groups * self.kernel[0] * self.kernel[1];
        let s = self.seed * 10;
        Inputs {
            x: q.t(self.x, s, d),
            offset: offsets(q, [n, 2 * taps, oh, ow], s + 1, self.offsets, d),
            weight: q.range(
                [
                    self.co,
                    c / self.weight_groups,
                    self.kernel[0],
                    self.kernel[1],
                ],
                s + 2,
                -0.5,
                0.5,
                d,
            ),
            mask: self
                .mask
                .then(|| q.range([n, taps, oh, ow], s + 3, 0.0, 1.0, d)),
            bias: self.bias.then(|| q.t([self.co], s + 4, d)),
            options: self.options(),
        }
    }
}

impl<B: Backend> Inputs<B> {
    fn forward(&self) -> Tensor<B, 4> {
        m::deform_conv2d(
            self.x.clone(),
            self.offset.clone(),
            self.weight.clone(),
            self.mask.clone(),
            self.bias.clone(),
            self.options.clone(),
        )
    }

    fn require_grad(self) -> Inputs<B> {
        Inputs {
            x: self.x.require_grad(),
            offset: self.offset.require_grad(),
            weight: self.weight.require_grad(),
            mask: self.mask.map(Tensor::require_grad),
            bias: self.bias.map(Tensor::require_grad),
            options: self.options,
        }
    }
}

fn forward<B: Backend>(c: &Config, q: &Q, d: &B::Device) -> Vec<Out> {
    vec![o("y", c.inputs::<B>(q, d).forward())]
}

// The output is a dot product over cg·kh·kw (18 to 36) sampled columns, like conv2d's,
// plus the fraction, its complement and the bilinear fold of each sample.
cases! {
    deform_conv2d_offset_groups_and_mask: Tol::n(16.0).with_floor(0.2) => |q, d| forward::<B>(&OFFSET_GROUPS_MASK, q, d);
    deform_conv2d_weight_groups_stride_padding: Tol::n(16.0).with_floor(0.2) => |q, d| forward::<B>(&WEIGHT_GROUPS_STRIDE_PADDING, q, d);
    deform_conv2d_dilation_both_groups: Tol::n(16.0).with_floor(0.2) => |q, d| forward::<B>(&DILATION_BOTH_GROUPS, q, d);
    deform_conv2d_offsets_outside_the_image: Tol::n(16.0).with_floor(0.2) => |q, d| forward::<B>(&OFFSETS_OUTSIDE, q, d);
}

/// The gradients of `Σ y·w` (seeded `w`) with respect to every input of `c`.
fn gradients<B: AutodiffBackend>(c: &Config, q: &Q, d: &B::Device) -> Vec<Out> {
    let i = c.inputs::<B>(q, d).require_grad();
    let y = i.forward();
    let g = weighted(q, y, c.seed * 10 + 5, d).backward();
    let mut out = vec![
        o("x", i.x.grad(&g).unwrap()),
        o("offset", i.offset.grad(&g).unwrap()),
        o("weight", i.weight.grad(&g).unwrap()),
    ];
    if let Some(mask) = &i.mask {
        out.push(o("mask", mask.grad(&g).unwrap()));
    }
    if let Some(bias) = &i.bias {
        out.push(o("bias", bias.grad(&g).unwrap()));
    }
    out
}

grad_cases! {
    gradients_with_offset_groups_mask_and_bias: Tol::n(24.0).with_floor(0.2) => |q, d| gradients::<B>(&OFFSET_GROUPS_MASK, q, d);
    gradients_with_weight_groups_stride_padding: Tol::n(24.0).with_floor(0.2) => |q, d| gradients::<B>(&WEIGHT_GROUPS_STRIDE_PADDING, q, d);
    gradients_with_dilation_and_both_groups: Tol::n(24.0).with_floor(0.2) => |q, d| gradients::<B>(&DILATION_BOTH_GROUPS, q, d);
    gradients_with_offsets_outside_the_image: Tol::n(24.0).with_floor(0.2) => |q, d| gradients::<B>(&OFFSETS_OUTSIDE, q, d);
}

/// With zero offsets every sample is its input code (`1·x + 0·…`), so the result is
/// `conv2d`'s, code for code; a mask of ones changes nothing either.
fn zero_offsets_give_the_codes_of_conv2d(preset: Preset) {
    let (q, d) = (Q::new(preset), preset.device());
    for c in [WEIGHT_GROUPS_STRIDE_PADDING, DILATION_BOTH_GROUPS] {
        let i = c.inputs::<Lns>(&q, &d);
        let zeros = i.offset.zeros_like();
        let [n, channels, oh, ow] = i.offset.dims();
        let ones = Tensor::<Lns, 4>::ones([n, channels / 2, oh, ow], &d);
        let conv = m::conv2d(
            i.x.clone(),
            i.weight.clone(),
            i.bias.clone(),
            ConvOptions::new(c.stride, c.padding, c.dilation, c.weight_groups),
        );
        let opts = c.options();
        let plain = m::deform_conv2d(
            i.x.clone(),
            zeros.clone(),
            i.weight.clone(),
            None,
            i.bias.clone(),
            opts.clone(),
        );
        let masked = m::deform_conv2d(i.x, zeros, i.weight, Some(ones), i.bias, opts);
        let want = codes(conv);
        assert_eq!(codes(plain), want, "{preset:?} {c:?}: no mask");
        assert_eq!(codes(masked), want, "{preset:?} {c:?}: mask of ones");
    }
}

#[test]
fn lns16_zero_offsets_give_the_codes_of_conv2d() {
    zero_offsets_give_the_codes_of_conv2d(Preset::Lns16);
}

#[test]
fn lns32_ref_zero_offsets_give_the_codes_of_conv2d() {
    zero_offsets_give_the_codes_of_conv2d(Preset::Ref32);
}

/// Δy = 3 is the code 2.9999968 in 16:10, which the backend reads as the integer 3 (as
/// `floor` does): a 1×1 kernel of 1 then moves each code exactly three rows down and
/// one column right (Δx = −1), with zeros where the source is outside the image.
#[test]
fn lns16_offsets_that_encode_integers_move_codes_exactly() {
    let d = LnsDevice::lns16();
    let (h, w) = (6, 5);
    let x = Q::new(Preset::Lns16).t::<Lns, 4>([1, 1, h, w], 50, &d);
    let three = Tensor::<Lns, 4>::full([1, 1, h, w], 3.0, &d);
    let offset = Tensor::cat(vec![three.clone(), three.ones_like().neg()], 1);
    assert_ne!(
        offset.clone().slice([0..1, 0..1, 0..1, 0..1]).into_scalar(),
        3.0,
        "3 must not be an LNS value for this test to mean anything"
    );
    let y = m::deform_conv2d(
        x.clone(),
        offset,
        Tensor::ones([1, 1, 1, 1], &d),
        None,
        None,
        DeformConvOptions::new([1, 1], [0, 0], [1, 1], 1, 1),
    );
    let (xv, yv) = (codes(x), codes(y));
    let zero = codes(Tensor::<Lns, 1>::zeros([1], &d))[0];
    for oy in 0..h {
        for ox in 0..w {
            let want = if oy + 3 < h && ox >= 1 {
                xv[(oy + 3) * w + ox - 1]
            } else {
                zero
            };
            assert_eq!(yv[oy * w + ox], want, "output ({oy}, {ox})");
        }
    }
}

/// The codes of the forward pass and of all five gradients, for a batch with more
/// images than threads and for a single image (whose products run row-parallel: 20
/// output channels, 27 column rows).
fn deform_codes(device: &LnsDevice) -> Vec<(String, Vec<i32>)> {
    let q = Q::new(Preset::Lns16);
    let many = Config {
        x: [4, 3, 9, 8],
        co: 20,
        kernel: [3, 3],
        stride: [1, 1],
        padding: [1, 1],
        dilation: [1, 1],
        weight_groups: 1,
        offset_groups: 3,
        mask: true,
        bias: true,
        offsets: (-3.0, 3.0),
        seed: 7,
    };
    let one = Config {
        x: [1, 3, 9, 8],
        stride: [2, 1],
        dilation: [1, 2],
        ..many
    };
    let mut out = Vec::new();
    for (name, c) in [("many_images", many), ("one_image", one)] {
        let i = c.inputs::<Lns>(&q, device);
        let y = i.forward();
        let grad = q.t::<Lns, 4>(y.dims(), 70, device);
        out.push((format!("{name}/y"), codes(y)));
        let p = |t: Tensor<Lns, 4>| t.into_primitive().tensor();
        let b = <Lns as ModuleOps<Lns>>::deform_conv2d_backward(
            p(i.x),
            p(i.offset),
            p(i.weight),
            i.mask.map(p),
            i.bias.map(|b| b.into_primitive().tensor()),
            p(grad),
            i.options,
        );
        out.push((format!("{name}/x"), b.x_grad.codes()));
        out.push((format!("{name}/offset"), b.offset_grad.codes()));
        out.push((format!("{name}/weight"), b.weight_grad.codes()));
        out.push((format!("{name}/mask"), b.mask_grad.unwrap().codes()));
        out.push((format!("{name}/bias"), b.bias_grad.unwrap().codes()));
    }
    out
}

#[test]
fn lns16_deform_conv2d_codes_do_not_depend_on_the_thread_count() {
    thread_counts_agree("lns16", deform_codes);
}

#[test]
fn lns32_ref_and_wide_accumulator_deform_conv2d_codes_do_not_depend_on_the_thread_count() {
    thread_counts_agree("lns32-ref", deform_codes);
    thread_counts_agree("16:10:lut:acc=20:14", deform_codes);
}

#[test]
fn lns16_deform_conv2d_codes_are_identical_on_every_simd_level() {
    let scalar: LnsDevice = "lns16:simd=scalar".parse().unwrap();
    let want = on_threads(2, || deform_codes(&scalar));
    for level in SimdLevel::available() {
        let name = format!("{level:?}").to_ascii_lowercase();
        let device: LnsDevice = format!("lns16:simd={name}").parse().unwrap();
        let got = on_threads(2, || deform_codes(&device));
        assert_same_codes(&format!("lns16: scalar vs {name}"), &want, &got);
    }
}
