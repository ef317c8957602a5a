//! Choosing an optimizer by name: SGD with momentum, Adam or Madam.

mod madam;

pub use madam::{Madam, MadamState};

use std::fmt;
use std::str::FromStr;

use burn::module::AutodiffModule;
use burn::optim::adaptor::OptimizerAdaptor;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{
    Adam, AdamConfig, GradientsParams, MultiGradientsParams, Optimizer, Sgd, SgdConfig,
};
use burn::tensor::Device;
use burn::tensor::backend::AutodiffBackend;

/// An optimizer and its hyper-parameters (the learning rate is given per step).
///
/// Strings: `sgd[:MOMENTUM[:WEIGHT_DECAY]]` (momentum defaults to 0.9, weight
/// decay to 0), `adam[:WEIGHT_DECAY]` and `madam[:BETA]` (beta defaults to 0.999).
/// Parsing refuses momentum or beta outside `[0, 1)` and a negative or non-finite
/// weight decay ([`OptimizerSpec::validate`]).
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
    /// LNS-Madam's multiplicative update ([`Madam`]); use a learning rate of
    /// `2^−frac` of the training format (e.g. 2^−6 = 0.015625 on 12:6).
    Madam {
        /// Decay of the running mean of `g²`.
        beta: f64,
    },
}

impl OptimizerSpec {
    /// SGD with momentum 0.9 and no weight decay.
    pub const SGD_MOMENTUM: Self = Self::Sgd {
        momentum: 0.9,
        weight_decay: 0.0,
    };

    /// Creates the optimizer for models of type `M`; optimizer state lives on each
    /// parameter's device.
    pub fn init<B: AutodiffBackend, M: AutodiffModule<B>>(&self) -> AnyOptimizer<M, B> {
        self.init_with_state_device(None)
    }

    /// Creates the optimizer for models of type `M`, computing Madam's state on
    /// `state_device` when given (e.g. a wide LNS configuration; see [`Madam`]). SGD and
    /// Adam ignore it.
    pub fn init_with_state_device<B: AutodiffBackend, M: AutodiffModule<B>>(
        &self,
        state_device: Option<Device<B::InnerBackend>>,
    ) -> AnyOptimizer<M, B> {
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
            Self::Madam { beta } => AnyOptimizer::Madam(Madam::new(beta, state_device).init()),
        }
    }
}

/// Why an optimizer string, one of its hyper-parameters or a learning rate was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum OptimizerError {
    /// A field after the name is not a number.
    #[error("bad number {part:?} in optimizer {input:?}")]
    BadNumber {
        /// The whole optimizer string.
        input: String,
        /// The field that does not parse.
        part: String,
    },
    /// An unknown name or too many fields.
    #[error(
        "bad optimizer {input:?} (sgd[:MOMENTUM[:WEIGHT_DECAY]], adam[:WEIGHT_DECAY] or \
         madam[:BETA])"
    )]
    Syntax {
        /// The whole optimizer string.
        input: String,
    },
    /// A hyper-parameter outside its range (NaN and infinities included).
    #[error("{parameter} {value} is out of range: it must be {allowed}")]
    OutOfRange {
        /// The hyper-parameter: momentum, weight decay or beta.
        parameter: &'static str,
        /// The value given.
        value: f64,
        /// The allowed range in words.
        allowed: &'static str,
    },
    /// A learning rate that is not a positive finite number.
    #[error("learning rate {value} is out of range: it must be positive and finite")]
    LearningRate {
        /// The value given.
        value: f64,
    },
}

/// Allowed range of momentum and of the decay rates (Madam's beta).
const UNIT_RANGE: &str = "at least 0 and below 1";
/// Allowed range of weight decay.
const NON_NEGATIVE: &str = "finite and at least 0";

/// Accepts `value` when it lies in `[0, 1)`.
fn check_unit(parameter: &'static str, value: f64) -> Result<(), OptimizerError> {
    if (0.0..1.0).contains(&value) {
        Ok(())
    } else {
        Err(OptimizerError::OutOfRange {
            parameter,
            value,
            allowed: UNIT_RANGE,
        })
    }
}

/// Accepts a finite, non-negative weight decay.
fn check_weight_decay(value: f64) -> Result<(), OptimizerError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(OptimizerError::OutOfRange {
            parameter: "weight decay",
            value,
            allowed: NON_NEGATIVE,
        })
    }
}

/// Returns `lr` when it is a usable learning rate: positive and finite.
///
/// # Errors
/// [`OptimizerError::LearningRate`] for zero, a negative number, NaN or an infinity.
pub fn check_learning_rate(lr: f64) -> Result<f64, OptimizerError> {
    if lr.is_finite() && lr > 0.0 {
        Ok(lr)
    } else {
        Err(OptimizerError::LearningRate { value: lr })
    }
}

impl OptimizerSpec {
    /// Checks the hyper-parameters: momentum and Madam's beta in `[0, 1)`, weight
    /// decay finite and non-negative.
    ///
    /// # Errors
    /// [`OptimizerError::OutOfRange`] naming the first parameter outside its range.
    pub fn validate(&self) -> Result<(), OptimizerError> {
        match *self {
            Self::Sgd {
                momentum,
                weight_decay,
            } => {
                check_unit("momentum", momentum)?;
                check_weight_decay(weight_decay)
            }
            Self::Adam { weight_decay } => check_weight_decay(weight_decay),
            Self::Madam { beta } => check_unit("beta", beta),
        }
    }
}

impl FromStr for OptimizerSpec {
    type Err = OptimizerError;

    /// Parses the string form and checks the hyper-parameters ([`OptimizerSpec::validate`]).
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let mut parts = input.split(':');
        let name = parts.next().unwrap_or_default();
        let numbers = parts
            .map(|part| {
                part.parse::<f64>().map_err(|_| OptimizerError::BadNumber {
                    input: input.to_string(),
                    part: part.to_string(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let spec = match (name, numbers.as_slice()) {
            ("sgd", []) => Self::SGD_MOMENTUM,
            ("sgd", &[momentum]) => Self::Sgd {
                momentum,
                weight_decay: 0.0,
            },
            ("sgd", &[momentum, weight_decay]) => Self::Sgd {
                momentum,
                weight_decay,
            },
            ("adam", []) => Self::Adam { weight_decay: 0.0 },
            ("adam", &[weight_decay]) => Self::Adam { weight_decay },
            ("madam", []) => Self::Madam { beta: 0.999 },
            ("madam", &[beta]) => Self::Madam { beta },
            _ => {
                return Err(OptimizerError::Syntax {
                    input: input.to_string(),
                });
            }
        };
        spec.validate()?;
        Ok(spec)
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
            Self::Madam { beta } => write!(f, "madam:{beta}"),
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
    /// Madam.
    Madam(OptimizerAdaptor<Madam<B::InnerBackend>, M, B>),
}

type SgdRecord<M, B> =
    <OptimizerAdaptor<Sgd<<B as AutodiffBackend>::InnerBackend>, M, B> as Optimizer<M, B>>::Record;
type AdamRecord<M, B> = <OptimizerAdaptor<Adam, M, B> as Optimizer<M, B>>::Record;
type MadamRecord<M, B> = <OptimizerAdaptor<
    Madam<<B as AutodiffBackend>::InnerBackend>,
    M,
    B,
> as Optimizer<M, B>>::Record;

impl<M: AutodiffModule<B>, B: AutodiffBackend> Optimizer<M, B> for AnyOptimizer<M, B> {
    /// The state of whichever optimizer this is; the others are `None`.
    type Record = (
        Option<SgdRecord<M, B>>,
        Option<AdamRecord<M, B>>,
        Option<MadamRecord<M, B>>,
    );

    fn step(&mut self, lr: f64, module: M, grads: GradientsParams) -> M {
        match self {
            Self::Sgd(optim) => optim.step(lr, module, grads),
            Self::Adam(optim) => optim.step(lr, module, grads),
            Self::Madam(optim) => optim.step(lr, module, grads),
        }
    }

    fn step_multi(&mut self, lr: f64, module: M, grads: MultiGradientsParams) -> M {
        match self {
            Self::Sgd(optim) => optim.step_multi(lr, module, grads),
            Self::Adam(optim) => optim.step_multi(lr, module, grads),
            Self::Madam(optim) => optim.step_multi(lr, module, grads),
        }
    }

    fn to_record(&self) -> Self::Record {
        match self {
            Self::Sgd(optim) => (Some(optim.to_record()), None, None),
            Self::Adam(optim) => (None, Some(optim.to_record()), None),
            Self::Madam(optim) => (None, None, Some(optim.to_record())),
        }
    }

    /// # Panics
    /// If the record is another optimizer's.
    fn load_record(self, record: Self::Record) -> Self {
        match (self, record) {
            (Self::Sgd(optim), (Some(state), None, None)) => Self::Sgd(optim.load_record(state)),
            (Self::Adam(optim), (None, Some(state), None)) => Self::Adam(optim.load_record(state)),
            (Self::Madam(optim), (None, None, Some(state))) => {
                Self::Madam(optim.load_record(state))
            }
            _ => panic!("optimizer record belongs to another optimizer"),
        }
    }
}
