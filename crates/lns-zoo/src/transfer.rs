//! Moving a model's weights from one backend to another.
//!
//! Burn 0.21 initializes parameters lazily, on first use, and a clone of a
//! module whose parameters are still uninitialized initializes *independently*:
//! `let b = a.clone();` then gives `a` and `b` different random weights. Call
//! [`materialize`] first when two copies must agree; [`copy_parameters`] does.

use burn::module::{Module, ModuleVisitor, Param};
use burn::record::{FullPrecisionSettings, NamedMpkBytesRecorder, Recorder, RecorderError};
use burn::tensor::backend::Backend;
use burn::tensor::{Bool, Int, Tensor};

/// Initializes every lazily initialized parameter of `module` in place, so that
/// its clones share the same values.
pub fn materialize<B: Backend, M: Module<B>>(module: &M) {
    module.visit(&mut Materialize);
}

/// Visitor that reads every parameter, which triggers its initialization.
struct Materialize;

impl<B: Backend> ModuleVisitor<B> for Materialize {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        param.val();
    }

    fn visit_int<const D: usize>(&mut self, param: &Param<Tensor<B, D, Int>>) {
        param.val();
    }

    fn visit_bool<const D: usize>(&mut self, param: &Param<Tensor<B, D, Bool>>) {
        param.val();
    }
}

/// Returns `target` with every parameter and state tensor (including batch-norm
/// running statistics) replaced by those of `source`.
///
/// `source` and `target` are the same architecture on (possibly) different
/// backends, e.g. `LeNet5<NdArray>` and `LeNet5<Flex>` built from one config.
/// `source` is [materialized](materialize) first, so it keeps exactly the
/// weights that were copied. Values travel as f32 through Burn's named
/// MessagePack record, so f32 backends receive them bit for bit; other backends
/// receive what their `from_data` makes of those f32 values. Parameter ids
/// travel too.
///
/// # Errors
/// A [`RecorderError`] if the two modules' structures differ.
///
/// # Panics
/// Burn's record loading panics, rather than failing, when an enum module such
/// as [`Model`](crate::models::Model) holds another variant in `target`.
pub fn copy_parameters<BS, BT, MS, MT>(
    source: &MS,
    target: MT,
    device: &BT::Device,
) -> Result<MT, RecorderError>
where
    BS: Backend,
    BT: Backend,
    MS: Module<BS>,
    MT: Module<BT>,
{
    materialize(source);
    let recorder = NamedMpkBytesRecorder::<FullPrecisionSettings>::default();
    let bytes = Recorder::<BS>::record(&recorder, source.clone().into_record(), ())?;
    let record = Recorder::<BT>::load::<MT::Record>(&recorder, bytes, device)?;
    Ok(target.load_record(record))
}
