//! `ctc_loss` (Burn's default, built from the tested float, int and bool ops) forward and
//! backward against burn-flex f32: blanks at either end of the alphabet, repeated labels
//! (which need a blank between them), empty targets, padded targets and inputs shorter
//! than the padded length.

use burn::tensor::activation::log_softmax;
use burn::tensor::backend::Backend;
use burn::tensor::module::ctc_loss;
use burn::tensor::{Int, Tensor, TensorData};

use burn_lns::Lns;

use crate::common::{Preset, Q, Tol, cases, grad_cases, o, weighted};

fn ints<B: Backend, const D: usize>(
    v: Vec<i64>,
    shape: [usize; D],
    d: &B::Device,
) -> Tensor<B, D, Int> {
    Tensor::from_data(TensorData::new(v, shape), d)
}

/// Log-probabilities `[T, N, C]` from seeded logits.
fn log_probs<B: Backend>(q: &Q, shape: [usize; 3], seed: u64, d: &B::Device) -> Tensor<B, 3> {
    log_softmax(q.range::<B, 3>(shape, seed, -2.0, 2.0, d), 2)
}

/// Four samples, blank 0, `T = 7`, `C = 5`: repeated labels, a distinct-label target,
/// a target of length 1 padded with garbage labels, and an empty target.
fn batch<B: Backend>(d: &B::Device) -> (Tensor<B, 2, Int>, Tensor<B, 1, Int>, Tensor<B, 1, Int>) {
    let targets = ints::<B, 2>(vec![1, 1, 2, 3, 4, 2, 3, 9, 9, 0, 0, 0], [4, 3], d);
    let input_lengths = ints::<B, 1>(vec![7, 6, 4, 3], [4], d);
    let target_lengths = ints::<B, 1>(vec![3, 3, 1, 0], [4], d);
    (targets, input_lengths, target_lengths)
}

cases! {
    ctc_forward: Tol::n(16.0).with_floor(0.1) => |q, d| {
        let lp = log_probs::<B>(q, [7, 4, 5], 1, d);
        let (targets, il, tl) = batch::<B>(d);
        vec![o("loss", ctc_loss(lp, targets.clone().clamp_max(4), il, tl, 0))]
    };
    // The blank is the last class, targets use the others.
    ctc_forward_last_blank: Tol::n(16.0).with_floor(0.1) => |q, d| {
        let lp = log_probs::<B>(q, [6, 2, 4], 2, d);
        let targets = ints::<B, 2>(vec![0, 0, 1, 2, 1, 0], [2, 3], d);
        vec![o("loss", ctc_loss(lp, targets, ints::<B, 1>(vec![6, 5], [2], d), ints::<B, 1>(vec![2, 3], [2], d), 3))]
    };
    // Every input exactly as long as the target needs (repeats need a blank between).
    ctc_forward_tight_lengths: Tol::n(16.0).with_floor(0.1) => |q, d| {
        let lp = log_probs::<B>(q, [5, 3, 4], 3, d);
        let targets = ints::<B, 2>(vec![1, 1, 1, 2, 3, 1, 3, 3, 0], [3, 3], d);
        vec![o("loss", ctc_loss(lp, targets, ints::<B, 1>(vec![5, 3, 3], [3], d), ints::<B, 1>(vec![3, 3, 2], [3], d), 0))]
    };
}

// The recursion works on log-probabilities: a log value `v` carries an absolute error of
// about `|v|·u`, which becomes a relative error of the probabilities `exp(v)` it feeds;
// alphas and betas reach about −10 here, so the gradients (posterior − probability) get a wider bound
// than the forward loss.
grad_cases! {
    ctc_backward: Tol::n(48.0).with_floor(0.2) => |q, d| {
        let logits = q.range::<B, 3>([7, 4, 5], 4, -2.0, 2.0, d).require_grad();
        let (targets, il, tl) = batch::<B>(d);
        let loss = ctc_loss(log_softmax(logits.clone(), 2), targets.clamp_max(4), il, tl, 0);
        let g = weighted(q, loss.clone(), 5, d).backward();
        vec![o("loss", loss), o("logits", logits.grad(&g).unwrap())]
    };
    ctc_backward_direct_log_probs: Tol::n(24.0).with_floor(0.2) => |q, d| {
        let lp = log_probs::<B>(q, [6, 2, 4], 6, d).detach().require_grad();
        let targets = ints::<B, 2>(vec![2, 2, 1, 3, 0, 0], [2, 3], d);
        let loss = ctc_loss(lp.clone(), targets, ints::<B, 1>(vec![6, 4], [2], d), ints::<B, 1>(vec![3, 1], [2], d), 0);
        let g = loss.sum().backward();
        vec![o("log_probs", lp.grad(&g).unwrap())]
    };
}

/// Three samples, `T = 4`: the second needs 4 steps for `[1, 1, 2]` but has 2.
fn unreachable_batch<B: Backend>(
    d: &B::Device,
) -> (Tensor<B, 2, Int>, Tensor<B, 1, Int>, Tensor<B, 1, Int>) {
    (
        ints::<B, 2>(vec![1, 1, 2, 1, 1, 2, 2, 0, 0], [3, 3], d),
        ints::<B, 1>(vec![4, 2, 4], [3], d),
        ints::<B, 1>(vec![3, 3, 1], [3], d),
    )
}

grad_cases! {
    // An unreachable target: its loss is +∞ in f32 and the largest value in LNS, while
    // the gradient (autodiff through Burn's decomposed recursion, finite for that sample
    // too) agrees.
    ctc_backward_unreachable_sample: Tol::n(24.0).with_floor(0.2) => |q, d| {
        let lp = log_probs::<B>(q, [4, 3, 4], 7, d).detach().require_grad();
        let (targets, il, tl) = unreachable_batch::<B>(d);
        let g = ctc_loss(lp.clone(), targets, il, tl, 0).sum().backward();
        vec![o("log_probs", lp.grad(&g).unwrap())]
    };
}

/// docs/ops.md edge policy: LNS has no ∞, so the loss of an unreachable target (+∞ in
/// f32) saturates to the format's largest value; the other samples keep finite losses.
#[test]
fn ctc_loss_of_an_unreachable_target_is_the_largest_value() {
    for preset in [Preset::Lns16, Preset::Ref32] {
        let (q, d) = (Q::new(preset), preset.device());
        let lp = log_probs::<Lns>(&q, [4, 3, 4], 7, &d);
        let (targets, il, tl) = unreachable_batch::<Lns>(&d);
        let v = ctc_loss(lp, targets, il, tl, 0)
            .into_data()
            .to_vec::<f32>()
            .unwrap();
        assert_eq!(v[1], d.format().max_value() as f32, "{preset:?}: {v:?}");
        assert!(v[0].is_finite() && v[0] > 0.0 && v[2].is_finite() && v[2] > 0.0);
    }
}
