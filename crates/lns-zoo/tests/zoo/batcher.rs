use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::Dataset;
use lns_zoo::data::{
    Augmentation, EpochBatches, ImageBatch, ImageBatcher, ImageDims, ImageItem, Normalization,
    shuffled_order,
};

use crate::common::{TestBackend, synthetic};

const RGB_5X4: ImageDims = ImageDims {
    channels: 3,
    height: 5,
    width: 4,
};

fn rgb_norm() -> Normalization {
    Normalization {
        mean: vec![0.5, 0.25, 0.0],
        std: vec![0.5, 0.25, 1.0],
    }
}

fn items(count: usize) -> Vec<ImageItem> {
    let data = synthetic(RGB_5X4, 4, count);
    (0..count).map(|i| data.get(i).unwrap()).collect()
}

fn values(batch: &ImageBatch<TestBackend>) -> Vec<f32> {
    batch.images.to_data().to_vec().unwrap()
}

/// Recovers the raw pixel from a normalized value of channel `c`.
fn raw(norm: &Normalization, c: usize, value: f32) -> u8 {
    ((value * norm.std[c] + norm.mean[c]) * 255.0).round() as u8
}

#[test]
fn batcher_normalizes_each_channel_and_keeps_labels() {
    let items = items(3);
    let batcher = ImageBatcher::new(RGB_5X4, rgb_norm());
    let batch: ImageBatch<TestBackend> = batcher.batch_at(&items, 0, &Default::default());
    assert_eq!(batch.images.dims(), [3, 3, 5, 4]);
    let targets: Vec<i64> = batch.targets.to_data().to_vec().unwrap();
    assert_eq!(
        targets,
        items
            .iter()
            .map(|item| item.label as i64)
            .collect::<Vec<_>>()
    );
    let values = values(&batch);
    for (i, item) in items.iter().enumerate() {
        for (j, &pixel) in item.pixels.iter().enumerate() {
            let c = j / 20;
            let expected = (f32::from(pixel) / 255.0 - rgb_norm().mean[c]) / rgb_norm().std[c];
            assert!((values[i * 60 + j] - expected).abs() < 1e-6);
        }
    }
}

#[test]
fn augmentation_with_the_same_seed_and_step_gives_the_same_batch() {
    let items = items(16);
    let device = Default::default();
    let make = |seed| {
        ImageBatcher::new(RGB_5X4, rgb_norm()).with_augmentation(Augmentation::standard(), seed)
    };
    let a = values(&make(7).batch_at::<TestBackend>(&items, 3, &device));
    let b = values(&make(7).batch_at::<TestBackend>(&items, 3, &device));
    let other_step = values(&make(7).batch_at::<TestBackend>(&items, 4, &device));
    let other_seed = values(&make(8).batch_at::<TestBackend>(&items, 3, &device));
    assert_eq!(a, b);
    assert_ne!(a, other_step);
    assert_ne!(a, other_seed);
}

#[test]
fn batcher_trait_numbers_steps_in_call_order() {
    let items = items(4);
    let device = Default::default();
    let batcher =
        ImageBatcher::new(RGB_5X4, rgb_norm()).with_augmentation(Augmentation::standard(), 1);
    let first: ImageBatch<TestBackend> = batcher.batch(items.clone(), &device);
    let second: ImageBatch<TestBackend> = batcher.batch(items.clone(), &device);
    assert_eq!(
        values(&first),
        values(&batcher.batch_at::<TestBackend>(&items, 0, &device))
    );
    assert_eq!(
        values(&second),
        values(&batcher.batch_at::<TestBackend>(&items, 1, &device))
    );
}

#[test]
fn flip_only_augmentation_mirrors_some_images_and_leaves_the_others() {
    let items = items(32);
    let norm = rgb_norm();
    let flip = Augmentation {
        crop_padding: 0,
        horizontal_flip: true,
    };
    let batcher = ImageBatcher::new(RGB_5X4, norm.clone()).with_augmentation(flip, 42);
    let values = values(&batcher.batch_at::<TestBackend>(&items, 0, &Default::default()));
    let mut flipped = 0;
    for (i, item) in items.iter().enumerate() {
        let out: Vec<u8> = (0..60)
            .map(|j| raw(&norm, j / 20, values[i * 60 + j]))
            .collect();
        let mirrored: Vec<u8> = (0..60)
            .map(|j| item.pixels[j - j % 4 + 3 - j % 4])
            .collect();
        if out == mirrored {
            flipped += 1;
        } else {
            assert_eq!(out, item.pixels, "item {i} neither identical nor mirrored");
        }
    }
    assert!((8..=24).contains(&flipped), "{flipped} of 32 flipped");
}

#[test]
fn crop_only_augmentation_shows_a_shifted_window_with_zero_padding() {
    let items = items(16);
    let norm = rgb_norm();
    let crop = Augmentation {
        crop_padding: 2,
        horizontal_flip: false,
    };
    let batcher = ImageBatcher::new(RGB_5X4, norm.clone()).with_augmentation(crop, 9);
    let values = values(&batcher.batch_at::<TestBackend>(&items, 0, &Default::default()));
    let mut shifted = 0;
    for (i, item) in items.iter().enumerate() {
        let out: Vec<u8> = (0..60)
            .map(|j| raw(&norm, j / 20, values[i * 60 + j]))
            .collect();
        let window = |dy: i64, dx: i64| -> Vec<u8> {
            (0..60)
                .map(|j| {
                    let (c, y, x) = (j / 20, (j % 20) as i64 / 4 + dy, (j % 4) as i64 + dx);
                    if (0..5).contains(&y) && (0..4).contains(&x) {
                        item.pixels[c * 20 + y as usize * 4 + x as usize]
                    } else {
                        0
                    }
                })
                .collect()
        };
        let offsets: Vec<(i64, i64)> = (-2..=2)
            .flat_map(|dy| (-2..=2).map(move |dx| (dy, dx)))
            .collect();
        let found = offsets.iter().find(|&&(dy, dx)| window(dy, dx) == out);
        assert!(
            found.is_some(),
            "item {i} is no padded crop of the original"
        );
        shifted += usize::from(found != Some(&(0, 0)));
    }
    assert!(shifted >= 10, "only {shifted} of 16 crops moved");
}

#[test]
fn epoch_batches_cover_every_item_once_in_a_seeded_order() {
    let data = synthetic(RGB_5X4, 4, 10);
    let batcher = ImageBatcher::new(RGB_5X4, rgb_norm());
    let device = Default::default();
    let batches: Vec<ImageBatch<TestBackend>> = EpochBatches::new(&data, &batcher, 4, &device)
        .shuffled(5, 2)
        .collect();
    assert_eq!(
        batches
            .iter()
            .map(|b| b.images.dims()[0])
            .collect::<Vec<_>>(),
        [4, 4, 2]
    );

    let order = shuffled_order(10, 5, 2);
    let mut sorted = order.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..10).collect::<Vec<_>>());
    assert_eq!(order, shuffled_order(10, 5, 2));
    assert_ne!(order, shuffled_order(10, 5, 3));
    assert_ne!(order, shuffled_order(10, 6, 2));

    let targets: Vec<i64> = batches
        .iter()
        .flat_map(|b| b.targets.to_data().to_vec::<i64>().unwrap())
        .collect();
    let expected: Vec<i64> = order.iter().map(|&i| data.labels()[i] as i64).collect();
    assert_eq!(targets, expected);
}

#[test]
fn epoch_batches_report_their_count_for_progress_bars() {
    let data = synthetic(RGB_5X4, 4, 10);
    let batcher = ImageBatcher::new(RGB_5X4, rgb_norm());
    let mut batches = EpochBatches::<TestBackend, _>::new(&data, &batcher, 3, &Default::default());
    assert_eq!(batches.len(), 4);
    batches.next();
    assert_eq!(batches.len(), 3);
}
