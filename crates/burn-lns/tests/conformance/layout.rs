//! Layout ops must be bit-exact: every op is applied to an `Lns` float tensor and, on
//! burn-flex, to an int tensor holding the same LNS codes; the codes the LNS op produces
//! must equal the integers burn-flex moved. The decoded values must also equal burn-flex
//! f32 on the same (rounded) inputs exactly.

use burn::backend::Flex;
use burn::tensor::backend::Backend;
use burn::tensor::{BasicOps, Bool, IndexingUpdateOp, Int, Tensor, TensorData, TensorKind, s};
use burn_lns::{Lns, LnsDevice};

use crate::common::{Preset, Q, Tol, cases, o};

type Flat<B, K> = Vec<(&'static str, Tensor<B, 1, K>)>;

fn flat<B: Backend, const D: usize, K: TensorKind<B> + BasicOps<B>>(
    t: Tensor<B, D, K>,
) -> Tensor<B, 1, K> {
    let n = t.shape().num_elements();
    if n == 0 {
        // Burn's reshape reads a 0 as "keep this dimension".
        return Tensor::empty([0], &t.device());
    }
    t.reshape([n])
}

/// Every layout op on `a`, `b` (both `[2, 3, 4]`) of any kind, flattened.
fn layout_ops<B: Backend, K: TensorKind<B> + BasicOps<B>>(
    a: Tensor<B, 3, K>,
    b: Tensor<B, 3, K>,
    d: &B::Device,
) -> Flat<B, K> {
    let idx = |v: Vec<i64>, shape: [usize; 3]| {
        Tensor::<B, 3, Int>::from_data(TensorData::new(v, shape), d)
    };
    let mask = Tensor::<B, 3, Bool>::from_data(
        TensorData::new(
            (0..24).map(|i| (i * 5) % 3 == 0).collect::<Vec<_>>(),
            [2, 3, 4],
        ),
        d,
    );
    let mut v: Flat<B, K> = vec![
        ("reshape", flat(a.clone().reshape([4, 6]))),
        (
            "reshape_of_permuted",
            flat(a.clone().permute([2, 0, 1]).reshape([8, 3])),
        ),
        ("slice", flat(a.clone().slice([0..2, 1..3, 1..4]))),
        ("slice_step", flat(a.clone().slice(s![.., ..;2, 1..;2]))),
        (
            "slice_negative_step",
            flat(a.clone().slice(s![.., .., ..;-1])),
        ),
        ("slice_empty", flat(a.clone().slice([0..2, 1..1, 0..4]))),
        (
            "slice_assign",
            flat(
                a.clone()
                    .slice_assign([0..1, 1..3, 0..2], b.clone().slice([1..2, 0..2, 2..4])),
            ),
        ),
        (
            "slice_assign_view_target",
            flat(
                a.clone()
                    .swap_dims(0, 2)
                    .slice_assign([1..3, 0..2, 0..1], b.clone().slice([0..2, 1..3, 0..1])),
            ),
        ),
        ("permute", flat(a.clone().permute([2, 0, 1]))),
        ("swap_dims", flat(a.clone().swap_dims(0, 2))),
        ("transpose", flat(a.clone().transpose())),
        ("movedim", flat(a.clone().movedim(0, 2))),
        ("flip", flat(a.clone().flip([0, 2]))),
        (
            "flip_of_permuted",
            flat(a.clone().permute([1, 2, 0]).flip([1])),
        ),
        (
            "expand",
            flat(a.clone().slice([0..1, 0..3, 0..4]).expand([2, 3, 4])),
        ),
        (
            "expand_new_dim",
            flat(
                a.clone()
                    .slice([0..1, 0..1, 0..4])
                    .reshape([1, 4])
                    .expand([5, 4]),
            ),
        ),
        (
            "gather",
            flat(a.clone().gather(
                2,
                idx((0..24).map(|i| (i * 7 % 4) as i64).collect(), [2, 3, 4]),
            )),
        ),
        (
            "gather_fewer",
            flat(
                a.clone()
                    .gather(1, idx(vec![2, 0, 1, 1, 0, 0, 2, 2], [2, 1, 4])),
            ),
        ),
        (
            "gather_of_transposed",
            flat(
                a.clone()
                    .swap_dims(1, 2)
                    .gather(1, idx((0..24).map(|i| (i % 4) as i64).collect(), [2, 4, 3])),
            ),
        ),
        (
            "select",
            flat(
                a.clone()
                    .select(1, Tensor::<B, 1, Int>::from_data([2, 0, 2, 1], d)),
            ),
        ),
        (
            "select_of_flipped",
            flat(
                a.clone()
                    .flip([2])
                    .select(2, Tensor::<B, 1, Int>::from_data([3, 3], d)),
            ),
        ),
        (
            "select_empty",
            flat(a.clone().select(
                0,
                Tensor::<B, 1, Int>::from_data(TensorData::new(Vec::<i64>::new(), [0]), d),
            )),
        ),
        (
            "take",
            flat(
                a.clone()
                    .take::<2, 4>(2, Tensor::<B, 2, Int>::from_data([[0, 3], [1, 1]], d)),
            ),
        ),
        ("cat_dim1", flat(Tensor::cat(vec![a.clone(), b.clone()], 1))),
        (
            "cat_views",
            flat(Tensor::cat(
                vec![
                    a.clone().flip([0]),
                    b.clone().swap_dims(1, 1),
                    a.clone().slice([0..2, 0..3, 0..0]),
                ],
                2,
            )),
        ),
        (
            "stack",
            flat(Tensor::stack::<4>(vec![a.clone(), b.clone()], 1)),
        ),
        ("repeat_dim", flat(a.clone().repeat_dim(1, 3))),
        ("repeat", flat(a.clone().repeat(&[2, 1, 2]))),
        ("repeat_zero", flat(a.clone().repeat_dim(0, 0))),
        ("narrow", flat(a.clone().narrow(2, 1, 2))),
        ("roll", flat(a.clone().roll(&[1, -1], &[1, 2]))),
        (
            "mask_where",
            flat(a.clone().mask_where(mask.clone(), b.clone())),
        ),
        (
            "mask_where_broadcast_values",
            flat(
                a.clone()
                    .mask_where(mask, b.clone().slice([0..1, 0..1, 0..4]).expand([2, 3, 4])),
            ),
        ),
        ("unfold", flat(a.clone().unfold::<4, usize>(2, 2, 1))),
        ("unfold_step2", flat(a.clone().unfold::<4, usize>(1, 2, 2))),
        (
            "squeeze_unsqueeze",
            flat(
                a.clone()
                    .slice([0..1, 0..3, 0..4])
                    .squeeze_dim::<2>(0)
                    .unsqueeze_dim::<3>(1),
            ),
        ),
        ("flatten", flat(a.clone().flatten::<2>(1, 2))),
        (
            "gather_nd",
            flat(
                a.clone()
                    .gather_nd::<2, 2>(Tensor::<B, 2, Int>::from_data([[1, 2], [0, 0], [1, 0]], d)),
            ),
        ),
        (
            "scatter_nd_assign",
            flat(a.clone().scatter_nd::<2, 2>(
                Tensor::<B, 2, Int>::from_data([[1, 2], [0, 0]], d),
                b.clone().slice([0..2, 0..1, 0..4]).reshape([2, 4]),
                IndexingUpdateOp::Assign,
            )),
        ),
    ];
    for (i, c) in a.clone().chunk(2, 2).into_iter().enumerate() {
        v.push((["chunk0", "chunk1"][i], flat(c)));
    }
    for (i, c) in b.split(2, 1).into_iter().enumerate() {
        v.push((["split0", "split1"][i], flat(c)));
    }
    v
}

/// The codes of an LNS tensor.
fn codes(t: Tensor<Lns, 1>) -> Vec<i64> {
    t.into_primitive()
        .tensor()
        .codes()
        .into_iter()
        .map(i64::from)
        .collect()
}

fn layout_moves_codes_bit_exactly(device: LnsDevice) {
    let q = Q::new(Preset::Ref32);
    let values = |seed| q.values(24, seed, -3.0, 3.0);
    let a = Tensor::<Lns, 3>::from_data(TensorData::new(values(1), [2, 3, 4]), &device);
    let b = Tensor::<Lns, 3>::from_data(TensorData::new(values(2), [2, 3, 4]), &device);
    let int_of = |t: &Tensor<Lns, 3>| {
        let c = codes(t.clone().reshape([24]));
        Tensor::<Flex, 3, Int>::from_data(TensorData::new(c, [2, 3, 4]), &Default::default())
    };
    let (ai, bi) = (int_of(&a), int_of(&b));
    let got = layout_ops::<Lns, burn::tensor::Float>(a, b, &device);
    let want = layout_ops::<Flex, Int>(ai, bi, &Default::default());
    assert_eq!(got.len(), want.len());
    for ((name, g), (_, w)) in got.into_iter().zip(want) {
        let w: Vec<i64> = w.into_data().iter::<i64>().collect();
        assert_eq!(
            codes(g),
            w,
            "{device:?}: {name} did not move the codes bit-exactly"
        );
    }
}

#[test]
fn layout_ops_move_lns16_codes_bit_exactly() {
    layout_moves_codes_bit_exactly(LnsDevice::lns16());
}

#[test]
fn layout_ops_move_lns32_codes_bit_exactly() {
    layout_moves_codes_bit_exactly(LnsDevice::lns32_ref());
}

#[test]
fn layout_ops_move_lns8_codes_bit_exactly() {
    layout_moves_codes_bit_exactly(LnsDevice::lns8());
}

/// `mask_fill` writes the code of its scalar (representable scalars: exact; others:
/// the rounded code, as every scalar).
#[test]
fn mask_fill_writes_the_code_of_its_scalar() {
    for device in [LnsDevice::lns16(), LnsDevice::lns32_ref()] {
        let a = Tensor::<Lns, 2>::from_floats([[1.0, -2.0], [0.5, 4.0]], &device);
        let mask = Tensor::<Lns, 2, Bool>::from_data([[true, false], [false, true]], &device);
        let filled = a.clone().mask_fill(mask.clone(), 0.3);
        let scalar_code = codes(Tensor::<Lns, 1>::from_floats([0.3], &device))[0];
        let c = codes(filled.reshape([4]));
        let orig = codes(a.reshape([4]));
        assert_eq!(
            c,
            vec![scalar_code, orig[1], orig[2], scalar_code],
            "{device:?}"
        );
    }
}

cases! {
    // The same ops, decoded, against burn-flex f32 on the same rounded inputs.
    layout_values: Tol::EXACT => |q, d| {
        let a = q.t::<B, 3>([2, 3, 4], 1, d);
        let b = q.t::<B, 3>([2, 3, 4], 2, d);
        layout_ops::<B, burn::tensor::Float>(a, b, d).into_iter().map(|(n, t)| o(n, t)).collect()
    };
    mask_fill_with_a_representable_scalar: Tol::EXACT => |q, d| {
        let a = q.t::<B, 2>([3, 4], 3, d);
        vec![o("fill", a.clone().mask_fill(a.clone().lower_elem(0.0), 0.25)), o("fill_view", a.clone().transpose().mask_fill(a.transpose().greater_elem(1.0), -2.0))]
    };
}
