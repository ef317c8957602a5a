//! Choosing an optimizer by name: SGD with momentum or Adam.

use std::fmt;
use std::str::FromStr;

use burn::module::AutodiffModule;
use burn::optim::adaptor::OptimizerAdaptor;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{
    Adam, AdamConfig, GradientsParams, MultiGradientsParams, Optimizer, Sgd, SgdConfig,
};
use burn::tensor::backend::AutodiffBackend;

/// An optimizer and its hyper-parameters (the learning rate is given per step).
///
/// Strings: `sgd[:MOMENTUM[:WEIGHT_DECAY]]` (momentum defaults to 0.9, weight
/// decay to 0) and `adam[:WEIGHT_DECAY]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OptimizerSpec {
    /// Stochastic gradient descent with heavy-ball momentum (no dampening, as in
    /// PyTorch); momentum 0 is plain SGD.
    Sgd {
        /// Momentum factor.
        momentum: f64,
        /// L2 penalty added to the gradient.
        weight_decay: f64,
    },
    /// Adam with Burn's defaults (beta 0.9 / 0.999, epsilon 1e-5).
    Adam {
        /// L2 penalty added to the gradient.
        weight_decay: f64,
    },
}

impl OptimizerSpec {
    /// SGD with momentum 0.9 and no weight decay.
    pub const SGD_MOMENTUM: Self = Self::Sgd {
        momentum: 0.9,
        weight_decay: 0.0,
    };

    /// Creates the optimizer for models of type `M`.
    pub fn init<B: AutodiffBackend, M: AutodiffModule<B>>(&self) -> AnyOptimizer<M, B> {
        // Burn stores the penalty as f32.
        let decay = |weight_decay: f64| {
            (weight_decay != 0.0).then(|| WeightDecayConfig::new(weight_decay as f32))
        };
        match *self {
            Self::Sgd {
                momentum,
                weight_decay,
            } => {
                let momentum = (momentum != 0.0).then(|| {
                    MomentumConfig::new()
                        .with_momentum(momentum)
                        .with_dampening(0.0)
                });
                AnyOptimizer::Sgd(
                    SgdConfig::new()
                        .with_momentum(momentum)
                        .with_weight_decay(decay(weight_decay))
                        .init(),
                )
            }
            Self::Adam { weight_decay } => AnyOptimizer::Adam(
                AdamConfig::new()
                    .with_weight_decay(decay(weight_decay))
                    .init(),
            ),
        }
    }
}

impl FromStr for OptimizerSpec {
    type Err = String;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let mut parts = input.split(':');
        let name = parts.next().unwrap_or_default();
        let numbers = parts
            .map(|part| {
                part.parse::<f64>()
                    .map_err(|_| format!("bad number {part:?} in optimizer {input:?}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        match (name, numbers.as_slice()) {
            ("sgd", []) => Ok(Self::SGD_MOMENTUM),
            ("sgd", &[momentum]) => Ok(Self::Sgd {
                momentum,
                weight_decay: 0.0,
            }),
            ("sgd", &[momentum, weight_decay]) => Ok(Self::Sgd {
                momentum,
                weight_decay,
            }),
            ("adam", []) => Ok(Self::Adam { weight_decay: 0.0 }),
            ("adam", &[weight_decay]) => Ok(Self::Adam { weight_decay }),
            _ => Err(format!(
                "bad optimizer {input:?} (sgd[:MOMENTUM[:WEIGHT_DECAY]], adam[:WEIGHT_DECAY])"
            )),
        }
    }
}

impl fmt::Display for OptimizerSpec {
    /// The full string form, which [`FromStr`] parses back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sgd {
                momentum,
                weight_decay,
            } => write!(f, "sgd:{momentum}:{weight_decay}"),
            Self::Adam { weight_decay } => write!(f, "adam:{weight_decay}"),
        }
    }
}

/// One of the optimizers of [`OptimizerSpec`], as one type.
#[derive(Clone)]
pub enum AnyOptimizer<M: AutodiffModule<B>, B: AutodiffBackend> {
    /// SGD, with or without momentum.
    Sgd(OptimizerAdaptor<Sgd<B::InnerBackend>, M, B>),
    /// Adam.
    Adam(OptimizerAdaptor<Adam, M, B>),
}

type SgdRecord<M, B> =
    <OptimizerAdaptor<Sgd<<B as AutodiffBackend>::InnerBackend>, M, B> as Optimizer<M, B>>::Record;
type AdamRecord<M, B> = <OptimizerAdaptor<Adam, M, B> as Optimizer<M, B>>::Record;

impl<M: AutodiffModule<B>, B: AutodiffBackend> Optimizer<M, B> for AnyOptimizer<M, B> {
    /// The state of whichever optimizer this is; the other is `None`.
    type Record = (Option<SgdRecord<M, B>>, Option<AdamRecord<M, B>>);

    fn step(&mut self, lr: f64, module: M, grads: GradientsParams) -> M {
        match self {
            Self::Sgd(optim) => optim.step(lr, module, grads),
            Self::Adam(optim) => optim.step(lr, module, grads),
        }
    }

    fn step_multi(&mut self, lr: f64, module: M, grads: MultiGradientsParams) -> M {
        match self {
            Self::Sgd(optim) => optim.step_multi(lr, module, grads),
            Self::Adam(optim) => optim.step_multi(lr, module, grads),
        }
    }

    fn to_record(&self) -> Self::Record {
        match self {
            Self::Sgd(optim) => (Some(optim.to_record()), None),
            Self::Adam(optim) => (None, Some(optim.to_record())),
        }
    }

    /// # Panics
    /// If the record is another optimizer's.
    fn load_record(self, record: Self::Record) -> Self {
        match (self, record) {
            (Self::Sgd(optim), (Some(state), None)) => Self::Sgd(optim.load_record(state)),
            (Self::Adam(optim), (None, Some(state))) => Self::Adam(optim.load_record(state)),
            _ => panic!("optimizer record belongs to another optimizer"),
        }
    }
}
