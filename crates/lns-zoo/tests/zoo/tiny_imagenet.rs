use image::codecs::jpeg::JpegEncoder;
use image::{GrayImage, Luma, Rgb, RgbImage};
use lns_zoo::data::DataError;
use lns_zoo::data::tiny_imagenet::{TINY_IMAGENET_DIMS, load_tiny_imagenet};

use crate::common::ScratchDir;

const WNIDS: [&str; 2] = ["n01443537", "n01629819"];

fn jpeg_rgb(size: u32, color: [u8; 3]) -> Vec<u8> {
    let mut out = Vec::new();
    let image = RgbImage::from_pixel(size, size, Rgb(color));
    JpegEncoder::new_with_quality(&mut out, 100)
        .encode_image(&image)
        .unwrap();
    out
}

fn jpeg_gray(size: u32, level: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let image = GrayImage::from_pixel(size, size, Luma([level]));
    JpegEncoder::new_with_quality(&mut out, 100)
        .encode_image(&image)
        .unwrap();
    out
}

/// Two classes, two training images each (one grayscale), three validation images.
fn write_layout(dir: &ScratchDir) {
    dir.write(
        "wnids.txt",
        format!("{}\n{}\n", WNIDS[0], WNIDS[1]).as_bytes(),
    );
    let class_dir = |wnid: &str| format!("train/{wnid}/images");
    dir.write(
        &format!("{}/{}_1.JPEG", class_dir(WNIDS[0]), WNIDS[0]),
        &jpeg_rgb(64, [200, 10, 10]),
    );
    dir.write(
        &format!("{}/{}_0.JPEG", class_dir(WNIDS[0]), WNIDS[0]),
        &jpeg_gray(64, 90),
    );
    dir.write(
        &format!("{}/{}_0.JPEG", class_dir(WNIDS[1]), WNIDS[1]),
        &jpeg_rgb(64, [10, 200, 10]),
    );
    dir.write(
        &format!("{}/{}_1.JPEG", class_dir(WNIDS[1]), WNIDS[1]),
        &jpeg_rgb(64, [10, 10, 200]),
    );
    dir.write(
        &format!("train/{}/{}_boxes.txt", WNIDS[0], WNIDS[0]),
        b"not an image\n",
    );
    dir.write("val/images/val_0.JPEG", &jpeg_rgb(64, [10, 10, 200]));
    dir.write("val/images/val_1.JPEG", &jpeg_rgb(64, [200, 10, 10]));
    dir.write("val/images/val_2.JPEG", &jpeg_gray(64, 30));
    dir.write(
        "val/val_annotations.txt",
        format!(
            "val_0.JPEG\t{b}\t0\t0\t63\t63\nval_1.JPEG\t{a}\t1\t2\t40\t50\nval_2.JPEG\t{b}\t0\t0\t10\t10\n",
            a = WNIDS[0],
            b = WNIDS[1]
        )
        .as_bytes(),
    );
}

/// Mean of each channel plane of an item.
fn channel_means(pixels: &[u8]) -> Vec<f64> {
    pixels
        .chunks(64 * 64)
        .map(|plane| plane.iter().map(|&p| f64::from(p)).sum::<f64>() / plane.len() as f64)
        .collect()
}

fn assert_color(pixels: &[u8], color: [u8; 3]) {
    for (mean, expected) in channel_means(pixels).iter().zip(color) {
        assert!(
            (mean - f64::from(expected)).abs() < 3.0,
            "{mean} vs {expected}"
        );
    }
}

#[test]
fn tiny_imagenet_layout_loads_labels_by_wnid_order_and_images_as_chw_rgb() {
    let dir = ScratchDir::new("tin-ok");
    write_layout(&dir);
    let splits = load_tiny_imagenet(dir.path()).unwrap();
    assert_eq!(splits.train.dims(), TINY_IMAGENET_DIMS);
    assert_eq!(splits.train.classes(), 2);
    assert_eq!(splits.train.labels(), [0, 0, 1, 1]);
    // Files of a class are in name order: `_0` (grayscale) before `_1`.
    assert_color(splits.train.pixels(0).unwrap(), [90, 90, 90]);
    assert_color(splits.train.pixels(1).unwrap(), [200, 10, 10]);
    assert_color(splits.train.pixels(3).unwrap(), [10, 10, 200]);
    assert_eq!(splits.test.labels(), [1, 0, 1]);
    assert_color(splits.test.pixels(0).unwrap(), [10, 10, 200]);
    assert_color(splits.test.pixels(2).unwrap(), [30, 30, 30]);
}

#[test]
fn tiny_imagenet_unknown_wnid_in_annotations_names_the_line() {
    let dir = ScratchDir::new("tin-wnid");
    write_layout(&dir);
    let path = dir.write(
        "val/val_annotations.txt",
        b"val_0.JPEG\tn01443537\t0\t0\t1\t1\nval_1.JPEG\tn99999999\t0\t0\t1\t1\n",
    );
    match load_tiny_imagenet(dir.path()) {
        Err(err @ DataError::BadLine { line: 2, .. }) => {
            assert!(err.to_string().contains("n99999999"), "{err}");
            assert!(
                err.to_string()
                    .starts_with(&format!("{}:2:", path.display())),
                "{err}"
            );
        }
        other => panic!("expected BadLine, got {other:?}"),
    }
}

#[test]
fn tiny_imagenet_duplicate_wnid_is_rejected() {
    let dir = ScratchDir::new("tin-dup");
    write_layout(&dir);
    dir.write(
        "wnids.txt",
        format!("{a}\n{b}\n{a}\n", a = WNIDS[0], b = WNIDS[1]).as_bytes(),
    );
    assert!(matches!(
        load_tiny_imagenet(dir.path()),
        Err(DataError::BadLine { line: 3, .. })
    ));
}

#[test]
fn tiny_imagenet_image_of_wrong_size_is_rejected() {
    let dir = ScratchDir::new("tin-size");
    write_layout(&dir);
    let path = dir.write("val/images/val_1.JPEG", &jpeg_rgb(32, [1, 2, 3]));
    match load_tiny_imagenet(dir.path()) {
        Err(DataError::ImageSize {
            path: p,
            found_width: 32,
            found_height: 32,
            ..
        }) => assert_eq!(p, path),
        other => panic!("expected ImageSize, got {other:?}"),
    }
}

#[test]
fn tiny_imagenet_corrupt_jpeg_is_an_image_error() {
    let dir = ScratchDir::new("tin-corrupt");
    write_layout(&dir);
    let jpeg = jpeg_rgb(64, [1, 2, 3]);
    let path = dir.write(
        &format!("train/{w}/images/{w}_1.JPEG", w = WNIDS[1]),
        &jpeg[..jpeg.len() / 3],
    );
    match load_tiny_imagenet(dir.path()) {
        Err(DataError::Image { path: p, .. }) => assert_eq!(p, path),
        other => panic!("expected Image, got {other:?}"),
    }
}

#[test]
fn tiny_imagenet_missing_class_directory_and_missing_image_are_named() {
    let dir = ScratchDir::new("tin-missing");
    write_layout(&dir);
    std::fs::remove_file(dir.path().join("val/images/val_2.JPEG")).unwrap();
    match load_tiny_imagenet(dir.path()) {
        Err(DataError::Missing { path }) => {
            assert_eq!(path, dir.path().join("val/images/val_2.JPEG"))
        }
        other => panic!("expected Missing, got {other:?}"),
    }
    std::fs::remove_dir_all(dir.path().join("train").join(WNIDS[1])).unwrap();
    match load_tiny_imagenet(dir.path()) {
        Err(DataError::Missing { path }) => {
            assert_eq!(path, dir.path().join("train").join(WNIDS[1]).join("images"));
        }
        other => panic!("expected Missing, got {other:?}"),
    }
}

#[test]
fn tiny_imagenet_class_without_images_is_empty() {
    let dir = ScratchDir::new("tin-empty");
    write_layout(&dir);
    for i in 0..2 {
        std::fs::remove_file(
            dir.path()
                .join(format!("train/{w}/images/{w}_{i}.JPEG", w = WNIDS[0])),
        )
        .unwrap();
    }
    assert!(matches!(
        load_tiny_imagenet(dir.path()),
        Err(DataError::Empty { .. })
    ));
}
