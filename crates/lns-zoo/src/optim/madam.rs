//! Madam: the multiplicative weight update of LNS-Madam (Zhao et al., IEEE TC 2022,
//! arXiv 2106.13914), which moves each weight's *log* by a whole number of steps —
//! an integer add on an LNS code, so no update is lost to rounding.
//!
//! Per parameter tensor `W` with gradient `g`, at step `t`:
//!
//! ```text
//! v  ← β·v + (1 − β)·g²            v̂ = v / (1 − βᵗ)
//! ĝ  = round(clamp(g / √v̂, −10, 10))   (0 where v̂ = 0)
//! W  ← W · 2^(−lr · ĝ · sign W)
//! W  ← clamp(W, −c, c),  c = 3 · RMS(W at the first step)
//! ```
//!
//! With `lr = 2^−F` on a format with `F` fractional bits, `2^(−lr·ĝ)` is an exact code
//! and the update is an exact integer add of `−ĝ·sign W` code units to the log. Zero
//! weights stay zero (a multiplicative update cannot move them).
//!
//! The second moment needs range and precision a narrow training format lacks (`g²`
//! of a 12-bit format's small gradients flushes to zero, and `β = 0.999` rounds to 1).
//! So the state and the arithmetic up to the factor `2^(−lr·ĝ·sign W)` run on a
//! *state device* — for LNS, a wide LNS configuration such as `lns32-ref` — and only
//! the factor travels back to the weight's device, where the multiplication happens
//! in the training format. Without a state device everything runs on the weight's
//! device.

use burn::module::AutodiffModule;
use burn::optim::SimpleOptimizer;
use burn::optim::adaptor::OptimizerAdaptor;
use burn::record::Record;
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{Device, ElementConversion, Tensor};

/// `ĝ` is clamped to `±GRAD_CLAMP` steps before rounding (the authors' value).
const GRAD_CLAMP: f64 = 10.0;
/// Weights are kept within `±MAX_SCALE · RMS(initial weights)` (the authors' value).
const MAX_SCALE: f64 = 3.0;

/// The Madam update rule; see the module documentation.
#[derive(Clone, Debug)]
pub struct Madam<B: Backend> {
    beta: f64,
    state_device: Option<Device<B>>,
}

/// Madam's state for one parameter tensor.
#[derive(Record, Clone)]
pub struct MadamState<B: Backend, const D: usize> {
    /// Steps taken so far.
    pub time: usize,
    /// The running mean of `g²`, on the state device.
    pub moment_2: Tensor<B, D>,
    /// The clamp bound `c = 3 · RMS(W at the first step)`, a 1-element tensor.
    pub bound: Tensor<B, 1>,
}

impl<B: Backend> Madam<B> {
    /// Madam with second-moment decay `beta` (the authors use 0.999), computing its
    /// state on `state_device` (`None`: on each weight's device).
    pub fn new(beta: f64, state_device: Option<Device<B>>) -> Madam<B> {
        assert!(
            (0.0..1.0).contains(&beta),
            "Madam's beta must lie in [0, 1), got {beta}"
        );
        Madam { beta, state_device }
    }

    /// The adaptor that applies Madam to every parameter of a module of type `M`.
    pub fn init<AB, M>(self) -> OptimizerAdaptor<Madam<B>, M, AB>
    where
        AB: AutodiffBackend<InnerBackend = B>,
        M: AutodiffModule<AB>,
    {
        OptimizerAdaptor::from(self)
    }
}

impl<B: Backend> SimpleOptimizer<B> for Madam<B> {
    type State<const D: usize> = MadamState<B, D>;

    fn step<const D: usize>(
        &self,
        lr: f64,
        tensor: Tensor<B, D>,
        grad: Tensor<B, D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<B, D>, Option<Self::State<D>>) {
        let device = tensor.device();
        let state_device = self.state_device.clone().unwrap_or_else(|| device.clone());
        let g = grad.to_device(&state_device);
        let w = tensor.clone().to_device(&state_device);
        let g2 = g.clone().square().mul_scalar(1.0 - self.beta);
        let (time, moment_2, bound) = match state {
            Some(s) => (
                s.time + 1,
                s.moment_2
                    .to_device(&state_device)
                    .mul_scalar(self.beta)
                    .add(g2),
                s.bound.to_device(&state_device),
            ),
            None => {
                let rms = w.clone().square().mean().sqrt();
                (1, g2, rms.mul_scalar(MAX_SCALE))
            }
        };
        let v_hat = moment_2
            .clone()
            .div_scalar(1.0 - self.beta.powi(time as i32));
        let empty = v_hat.clone().equal_elem(0.0);
        let steps = g
            .div(v_hat.sqrt())
            .mask_fill(empty, 0.0)
            .clamp(-GRAD_CLAMP, GRAD_CLAMP)
            .round();
        // 2^(−lr·ĝ·sign W) = exp(−lr·ln2·ĝ·sign W).
        let factor = steps
            .mul(w.sign())
            .mul_scalar(-lr * std::f64::consts::LN_2)
            .exp()
            .to_device(&device);
        let c: f64 = bound.clone().into_scalar().elem();
        let updated = tensor.mul(factor).clamp(-c, c);
        let state = MadamState {
            time,
            moment_2,
            bound,
        };
        (updated, Some(state))
    }

    /// Leaves the state where it is: Burn's adaptor calls this with the parameter's
    /// device before every step, which would round a wide state into the training
    /// format. [`Madam::step`] moves the state to the state device itself.
    fn to_device<const D: usize>(state: Self::State<D>, _device: &Device<B>) -> Self::State<D> {
        state
    }
}
