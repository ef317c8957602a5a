//! Examples of training ordinary Burn models on the LNS backend; each is an
//! `[[example]]` target:
//!
//! - `swap_backend`: a hand-written Burn training loop whose only LNS-specific
//!   line is `type B = Autodiff<Lns>;`
//!   (`cargo run --release -p lns-examples --example swap_backend`);
//! - `learner`: burn-train's `Learner` (`SupervisedTraining`, metrics,
//!   checkpoints) training LeNet-5 on `Autodiff<Lns>`
//!   (`cargo run --release -p lns-examples --example learner`).
