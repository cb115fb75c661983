//! Pixel types and the one resampling primitive every model crop goes through.
//!
//! Sits at the very start of the flow: `Frame` (an [`RgbImage`] plus its capture time) is what
//! the IO layer hands the engine. Every model input — detector letterbox, FaceMesh crop,
//! anti-spoofing crops, embedding crop — is an affine map from the frame, so one bilinear
//! sampler ([`sample_affine`]) serves them all.

use std::borrow::Cow;

use crate::error::EngineError;

/// Smallest frame the engine accepts (S7): 320x240 in either orientation.
pub const MIN_FRAME_SIDE_LONG: u32 = 320;
/// Smallest short side the engine accepts (S7).
pub const MIN_FRAME_SIDE_SHORT: u32 = 240;

/// An owned 8-bit RGB image, row-major, 3 bytes per pixel, no padding.
#[derive(Clone, PartialEq, Eq)]
pub struct RgbImage {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

impl std::fmt::Debug for RgbImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RgbImage({}x{})", self.width, self.height)
    }
}

impl RgbImage {
    /// Wraps a packed RGB buffer; the length must be `width * height * 3`.
    pub fn from_raw(width: u32, height: u32, data: Vec<u8>) -> Result<Self, EngineError> {
        let expected = width as usize * height as usize * 3;
        if data.len() != expected || width == 0 || height == 0 {
            return Err(EngineError::BadImageBuffer {
                width,
                height,
                len: data.len(),
            });
        }
        Ok(Self { width, height, data })
    }

    /// A uniform image (tests, padding).
    pub fn filled(width: u32, height: u32, rgb: [u8; 3]) -> Self {
        let data = rgb
            .iter()
            .copied()
            .cycle()
            .take(width as usize * height as usize * 3)
            .collect();
        Self { width, height, data }
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Packed RGB bytes.
    pub fn as_raw(&self) -> &[u8] {
        &self.data
    }

    /// Mutable packed RGB bytes (for drawing in tests and synthesis).
    pub fn as_raw_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }

    /// The pixel at (x, y); panics only on out-of-range coordinates, which callers clamp.
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        [self.data[i], self.data[i + 1], self.data[i + 2]]
    }

    /// Refuses frames below the minimum resolution (S7).
    pub fn check_min_resolution(&self) -> Result<(), EngineError> {
        let (long, short) = if self.width >= self.height {
            (self.width, self.height)
        } else {
            (self.height, self.width)
        };
        if long < MIN_FRAME_SIDE_LONG || short < MIN_FRAME_SIDE_SHORT {
            return Err(EngineError::ResolutionTooLow {
                width: self.width,
                height: self.height,
            });
        }
        Ok(())
    }

    /// Luma (BT.601) of every pixel, 0..255, row-major.
    pub fn gray_from_rgb(&self) -> GrayImage {
        self.gray_region(0, 0, self.width, self.height)
    }

    /// Luma of the `w x h` region at (x0, y0) (clipped to the image), without touching the rest
    /// of the frame.
    pub fn gray_region(&self, x0: u32, y0: u32, w: u32, h: u32) -> GrayImage {
        let (x0, y0) = (x0.min(self.width), y0.min(self.height));
        let (w, h) = (w.min(self.width - x0), h.min(self.height - y0));
        let stride = self.width as usize * 3;
        let mut data = Vec::with_capacity(w as usize * h as usize);
        for y in y0 as usize..(y0 + h) as usize {
            let row = &self.data[y * stride + x0 as usize * 3..y * stride + (x0 + w) as usize * 3];
            data.extend(row.chunks_exact(3).map(luma));
        }
        GrayImage {
            width: w,
            height: h,
            data,
        }
    }

    /// Bilinear sample of channel values at a real position, clamped at the borders
    /// (`None` when outside the image, for zero padding).
    #[inline]
    fn sample(&self, x: f32, y: f32) -> Option<[f32; 3]> {
        let (w, h) = (self.width as f32, self.height as f32);
        if x < -0.5 || y < -0.5 || x > w - 0.5 || y > h - 0.5 {
            return None;
        }
        let x = x.clamp(0.0, w - 1.0);
        let y = y.clamp(0.0, h - 1.0);
        let (x0, y0) = (x as usize, y as usize);
        let x1 = (x0 + 1).min(self.width as usize - 1);
        let y1 = (y0 + 1).min(self.height as usize - 1);
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let stride = self.width as usize * 3;
        let (top, bottom) = (&self.data[y0 * stride..], &self.data[y1 * stride..]);
        let (p00, p01) = (&top[x0 * 3..x0 * 3 + 3], &top[x1 * 3..x1 * 3 + 3]);
        let (p10, p11) = (&bottom[x0 * 3..x0 * 3 + 3], &bottom[x1 * 3..x1 * 3 + 3]);
        let mut out = [0f32; 3];
        for c in 0..3 {
            let t = p00[c] as f32 + (p01[c] as f32 - p00[c] as f32) * fx;
            let b = p10[c] as f32 + (p11[c] as f32 - p10[c] as f32) * fx;
            out[c] = t + (b - t) * fy;
        }
        Some(out)
    }

    /// Halves the image by 2x2 box averaging (anti-aliasing before big downscales).
    pub fn half(&self) -> RgbImage {
        let w = (self.width / 2).max(1);
        let h = (self.height / 2).max(1);
        let mut data = Vec::with_capacity(w as usize * h as usize * 3);
        let stride = self.width as usize * 3;
        for y in 0..h as usize {
            let y0 = (2 * y).min(self.height as usize - 1);
            let y1 = (2 * y + 1).min(self.height as usize - 1);
            for x in 0..w as usize {
                let x0 = (2 * x).min(self.width as usize - 1);
                let x1 = (2 * x + 1).min(self.width as usize - 1);
                for c in 0..3 {
                    let s = self.data[y0 * stride + x0 * 3 + c] as u32
                        + self.data[y0 * stride + x1 * 3 + c] as u32
                        + self.data[y1 * stride + x0 * 3 + c] as u32
                        + self.data[y1 * stride + x1 * 3 + c] as u32;
                    data.push(((s + 2) / 4) as u8);
                }
            }
        }
        RgbImage {
            width: w,
            height: h,
            data,
        }
    }
}

/// BT.601 luma of one RGB pixel.
#[inline]
pub fn luma(p: &[u8]) -> f32 {
    0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32
}

/// A single-channel f32 image (luma), row-major.
#[derive(Clone, Debug)]
pub struct GrayImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Values, usually 0..255.
    pub data: Vec<f32>,
}

impl GrayImage {
    /// Value at (x, y).
    #[inline]
    pub fn at(&self, x: usize, y: usize) -> f32 {
        self.data[y * self.width as usize + x]
    }
}

/// A 2D affine map `dst → src`: `src = [a b c; d e f] · [x y 1]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Affine {
    /// Row-major 2x3 coefficients.
    pub m: [f32; 6],
}

impl Affine {
    /// Maps a crop of size `dst_size` onto a square in the source centred at `(cx, cy)` with side
    /// `side`, rotated by `angle` radians (positive = counter-clockwise in image coordinates).
    pub fn square_crop(cx: f32, cy: f32, side: f32, angle: f32, dst_size: u32) -> Self {
        let s = side / dst_size as f32;
        let (sin, cos) = angle.sin_cos();
        let half = dst_size as f32 / 2.0;
        // src = centre + R(angle) · s · (dst - half)
        let a = s * cos;
        let b = -s * sin;
        let d = s * sin;
        let e = s * cos;
        let c = cx - a * half - b * half;
        let f = cy - d * half - e * half;
        Self { m: [a, b, c, d, e, f] }
    }

    /// Maps a `dst_w x dst_h` canvas onto the axis-aligned source rectangle `(x, y, w, h)`.
    pub fn rect_crop(x: f32, y: f32, w: f32, h: f32, dst_w: u32, dst_h: u32) -> Self {
        let sx = w / dst_w as f32;
        let sy = h / dst_h as f32;
        // Pixel centres: src = x + (dst + 0.5) * sx - 0.5
        Self {
            m: [sx, 0.0, x + 0.5 * sx - 0.5, 0.0, sy, y + 0.5 * sy - 0.5],
        }
    }

    /// Applies the map to a destination point, giving the source point.
    #[inline]
    pub fn apply(&self, x: f32, y: f32) -> (f32, f32) {
        let m = &self.m;
        (m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5])
    }

    /// Largest source pixels per destination pixel (for anti-aliasing decisions).
    pub fn scale(&self) -> f32 {
        let m = &self.m;
        (m[0].hypot(m[3])).max(m[1].hypot(m[4]))
    }
}

/// A 2-D similarity transform `p ↦ s·R·p + d`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Similarity {
    /// Scale.
    pub scale: f32,
    /// Rotation (radians).
    pub angle: f32,
    /// Translation.
    pub shift: [f32; 2],
}

impl Similarity {
    /// Least-squares similarity mapping `from` onto `to` (same length, at least two points).
    pub fn fit(from: &[[f32; 2]], to: &[[f32; 2]]) -> Option<Self> {
        let n = from.len();
        if n < 2 || to.len() != n {
            return None;
        }
        let mean = |pts: &[[f32; 2]]| {
            let (sx, sy) = pts.iter().fold((0.0, 0.0), |(x, y), p| (x + p[0], y + p[1]));
            [sx / n as f32, sy / n as f32]
        };
        let (ma, mb) = (mean(from), mean(to));
        let (mut dot, mut cross, mut norm) = (0f32, 0f32, 0f32);
        for (a, b) in from.iter().zip(to) {
            let (ax, ay) = (a[0] - ma[0], a[1] - ma[1]);
            let (bx, by) = (b[0] - mb[0], b[1] - mb[1]);
            dot += ax * bx + ay * by;
            cross += ax * by - ay * bx;
            norm += ax * ax + ay * ay;
        }
        if norm <= f32::EPSILON {
            return None;
        }
        let angle = cross.atan2(dot);
        let scale = dot.hypot(cross) / norm;
        let (sin, cos) = angle.sin_cos();
        let shift = [
            mb[0] - scale * (cos * ma[0] - sin * ma[1]),
            mb[1] - scale * (sin * ma[0] + cos * ma[1]),
        ];
        Some(Self { scale, angle, shift })
    }

    /// Maps one point.
    pub fn apply(&self, p: [f32; 2]) -> [f32; 2] {
        let (sin, cos) = self.angle.sin_cos();
        [
            self.scale * (cos * p[0] - sin * p[1]) + self.shift[0],
            self.scale * (sin * p[0] + cos * p[1]) + self.shift[1],
        ]
    }

    /// The same map as an [`Affine`] (for [`sample_affine`]).
    pub fn to_affine(&self) -> Affine {
        let (sin, cos) = self.angle.sin_cos();
        let (s, [tx, ty]) = (self.scale, self.shift);
        Affine {
            m: [s * cos, -s * sin, tx, s * sin, s * cos, ty],
        }
    }
}

/// Channel order and value mapping of a model input, from the model manifest.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PixelFormat {
    /// `true` for BGR channel order.
    pub bgr: bool,
    /// `true` for NCHW planes, `false` for NHWC.
    pub planar: bool,
    /// Value = raw * scale + offset.
    pub scale: f32,
    /// Value = raw * scale + offset.
    pub offset: f32,
}

impl PixelFormat {
    /// Writes one RGB pixel (raw 0..255 values) at pixel index `i` of a tensor whose planes hold
    /// `plane` pixels: channel order, layout and value mapping as this format says.
    #[inline]
    fn put(&self, dst: &mut [f32], plane: usize, i: usize, rgb: [f32; 3]) {
        let order: [usize; 3] = if self.bgr { [2, 1, 0] } else { [0, 1, 2] };
        for (c, &from) in order.iter().enumerate() {
            let at = if self.planar { c * plane + i } else { i * 3 + c };
            dst[at] = rgb[from] * self.scale + self.offset;
        }
    }
}

/// What a model input (or crop) looks like: size, layout and resampling.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Canvas {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Channel order, layout and value mapping.
    pub format: PixelFormat,
    /// Box-prefilter downscales of more than 2x. Off where a model was trained on plain
    /// bilinear resizes (the anti-spoofing crops), on everywhere else.
    pub antialias: bool,
}

/// Samples `src` through `map` into a caller-owned tensor `dst` shaped as `canvas` says.
/// Outside pixels are zero (raw value 0).
pub fn sample_affine(src: &RgbImage, map: &Affine, canvas: &Canvas, dst: &mut Vec<f32>) {
    let (w, h, fmt) = (canvas.width, canvas.height, canvas.format);
    let mut map = *map;
    let mut source: Cow<'_, RgbImage> = Cow::Borrowed(src);
    if canvas.antialias && map.scale() > 2.0 {
        // Only the region the canvas covers is prefiltered, not the whole frame.
        let (region, offset) = covered_region(src, &map, w, h);
        map.m[2] -= offset.0 as f32;
        map.m[5] -= offset.1 as f32;
        source = Cow::Owned(region);
        while map.scale() > 2.0 && source.width() >= 4 && source.height() >= 4 {
            let next = source.half();
            // Pixel centres: x_half = (x - 0.5) / 2.
            for v in map.m.iter_mut() {
                *v /= 2.0;
            }
            map.m[2] -= 0.25;
            map.m[5] -= 0.25;
            source = Cow::Owned(next);
        }
    }
    let plane = (w * h) as usize;
    dst.clear();
    // Outside pixels are raw 0, i.e. `offset` after the value mapping.
    dst.resize(plane * 3, fmt.offset);
    // Stepping one destination pixel right moves the source point by the map's first column.
    let (step_x, step_y) = (map.m[0], map.m[3]);
    for y in 0..h as usize {
        let (row_x, row_y) = map.apply(0.0, y as f32);
        for x in 0..w as usize {
            let (sx, sy) = (row_x + step_x * x as f32, row_y + step_y * x as f32);
            if let Some(px) = source.sample(sx, sy) {
                fmt.put(dst, plane, y * w as usize + x, px);
            }
        }
    }
}

/// The part of `src` that a `w x h` canvas mapped through `map` touches (plus a margin), copied
/// out, with its top-left offset in `src`.
fn covered_region(src: &RgbImage, map: &Affine, w: u32, h: u32) -> (RgbImage, (u32, u32)) {
    let corners = [(0.0, 0.0), (w as f32, 0.0), (0.0, h as f32), (w as f32, h as f32)];
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for (x, y) in corners {
        let (sx, sy) = map.apply(x, y);
        x0 = x0.min(sx);
        y0 = y0.min(sy);
        x1 = x1.max(sx);
        y1 = y1.max(sy);
    }
    let margin = 2.0 * map.scale();
    let clamp_x = |v: f32| v.clamp(0.0, src.width as f32) as u32;
    let clamp_y = |v: f32| v.clamp(0.0, src.height as f32) as u32;
    let (rx0, ry0) = (clamp_x(x0 - margin), clamp_y(y0 - margin));
    let (rx1, ry1) = (clamp_x(x1 + margin), clamp_y(y1 + margin));
    if rx1 <= rx0 + 1 || ry1 <= ry0 + 1 {
        return (src.clone(), (0, 0));
    }
    let (rw, rh) = (rx1 - rx0, ry1 - ry0);
    let mut data = Vec::with_capacity(rw as usize * rh as usize * 3);
    let stride = src.width as usize * 3;
    for y in ry0..ry1 {
        let row = y as usize * stride;
        data.extend_from_slice(&src.data[row + rx0 as usize * 3..row + rx1 as usize * 3]);
    }
    let region = RgbImage {
        width: rw,
        height: rh,
        data,
    };
    (region, (rx0, ry0))
}

/// Resizes the whole image to `w x h` with SIMD (`fast_image_resize`, bilinear convolution: the
/// kernel widens with the downscale, so it is anti-aliased). Used where the map is a plain
/// resize of the frame (the detector letterbox).
pub fn resize(src: &RgbImage, w: u32, h: u32) -> RgbImage {
    use fast_image_resize::{
        images::Image, images::ImageRef, FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer,
    };
    thread_local! {
        static RESIZER: std::cell::RefCell<Resizer> = std::cell::RefCell::new(Resizer::new());
    }
    let (w, h) = (w.max(1), h.max(1));
    let from = ImageRef::new(src.width, src.height, &src.data, PixelType::U8x3);
    let mut to = Image::new(w, h, PixelType::U8x3);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
    let resized = from.map_err(|e| e.to_string()).and_then(|from| {
        RESIZER.with(|r| {
            r.borrow_mut()
                .resize(&from, &mut to, &options)
                .map_err(|e| e.to_string())
        })
    });
    match resized {
        Ok(()) => RgbImage {
            width: w,
            height: h,
            data: to.into_vec(),
        },
        // U8x3 buffers need no alignment and the sizes are checked above, so this is not
        // reached; the affine sampler is the same resize without SIMD.
        Err(_) => crop_affine(
            src,
            &Affine::rect_crop(0.0, 0.0, src.width as f32, src.height as f32, w, h),
            w,
            h,
        ),
    }
}

/// Writes `src` into the top-left corner of a `canvas`-shaped tensor; the rest is raw 0.
pub fn pack_top_left(src: &RgbImage, canvas: &Canvas, dst: &mut Vec<f32>) {
    let (w, h, fmt) = (canvas.width as usize, canvas.height as usize, canvas.format);
    let plane = w * h;
    dst.clear();
    dst.resize(plane * 3, fmt.offset);
    let (sw, sh) = (src.width as usize, src.height as usize);
    for y in 0..sh.min(h) {
        let row = &src.data[y * sw * 3..(y + 1) * sw * 3];
        for (x, px) in row.chunks_exact(3).take(w).enumerate() {
            fmt.put(dst, plane, y * w + x, [px[0] as f32, px[1] as f32, px[2] as f32]);
        }
    }
}

/// Plain RGB bytes as f32, interleaved.
pub const RAW_RGB: PixelFormat = PixelFormat {
    bgr: false,
    planar: false,
    scale: 1.0,
    offset: 0.0,
};

/// Samples `src` through `map` into a new RGB image (crops for texture cues and audit images).
pub fn crop_affine(src: &RgbImage, map: &Affine, w: u32, h: u32) -> RgbImage {
    let mut buf = Vec::new();
    let canvas = Canvas {
        width: w,
        height: h,
        format: RAW_RGB,
        antialias: true,
    };
    sample_affine(src, map, &canvas, &mut buf);
    let data = buf.iter().map(|v| v.round().clamp(0.0, 255.0) as u8).collect();
    RgbImage {
        width: w,
        height: h,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_wrong_buffer_length() {
        assert!(RgbImage::from_raw(2, 2, vec![0; 11]).is_err());
        assert!(RgbImage::from_raw(0, 2, vec![]).is_err());
        assert!(RgbImage::from_raw(2, 2, vec![0; 12]).is_ok());
    }

    #[test]
    fn min_resolution_either_orientation() {
        assert!(RgbImage::filled(320, 240, [0; 3]).check_min_resolution().is_ok());
        assert!(RgbImage::filled(240, 320, [0; 3]).check_min_resolution().is_ok());
        assert!(RgbImage::filled(319, 240, [0; 3]).check_min_resolution().is_err());
        assert!(RgbImage::filled(320, 200, [0; 3]).check_min_resolution().is_err());
    }

    #[test]
    fn identity_rect_crop_copies_pixels() {
        let mut img = RgbImage::filled(8, 6, [0; 3]);
        for (i, v) in img.as_raw_mut().iter_mut().enumerate() {
            *v = (i % 251) as u8;
        }
        let map = Affine::rect_crop(0.0, 0.0, 8.0, 6.0, 8, 6);
        let out = crop_affine(&img, &map, 8, 6);
        assert_eq!(out.as_raw(), img.as_raw());
    }

    #[test]
    fn planar_bgr_layout() {
        let img = RgbImage::filled(4, 4, [10, 20, 30]);
        let map = Affine::rect_crop(0.0, 0.0, 4.0, 4.0, 2, 2);
        let mut dst = Vec::new();
        let format = PixelFormat {
            bgr: true,
            planar: true,
            scale: 1.0,
            offset: 0.0,
        };
        let canvas = Canvas {
            width: 2,
            height: 2,
            format,
            antialias: true,
        };
        sample_affine(&img, &map, &canvas, &mut dst);
        assert_eq!(&dst[0..4], &[30.0; 4]);
        assert_eq!(&dst[8..12], &[10.0; 4]);
    }

    #[test]
    fn simd_resize_keeps_a_uniform_colour_and_packs_top_left() {
        let img = RgbImage::filled(640, 360, [10, 20, 30]);
        let small = resize(&img, 320, 180);
        assert_eq!((small.width(), small.height()), (320, 180));
        assert!(small.as_raw().chunks_exact(3).all(|p| p == [10, 20, 30]));
        let canvas = Canvas {
            width: 320,
            height: 320,
            format: PixelFormat {
                bgr: true,
                planar: true,
                scale: 1.0,
                offset: 0.0,
            },
            antialias: true,
        };
        let mut dst = Vec::new();
        pack_top_left(&small, &canvas, &mut dst);
        // Blue plane first (BGR), zero below the picture.
        assert_eq!((dst[0], dst[320 * 320], dst[2 * 320 * 320]), (30.0, 20.0, 10.0));
        assert_eq!(dst[200 * 320], 0.0);
    }

    #[test]
    fn big_downscale_keeps_mean() {
        // A fine checkerboard averages to grey instead of aliasing to black or white.
        let mut img = RgbImage::filled(640, 640, [0; 3]);
        for y in 0..640usize {
            for x in 0..640usize {
                if (x + y) % 2 == 0 {
                    let i = (y * 640 + x) * 3;
                    img.as_raw_mut()[i..i + 3].copy_from_slice(&[255; 3]);
                }
            }
        }
        let map = Affine::rect_crop(0.0, 0.0, 640.0, 640.0, 80, 80);
        let out = crop_affine(&img, &map, 80, 80);
        let mean = out.as_raw().iter().map(|&v| v as f32).sum::<f32>() / out.as_raw().len() as f32;
        assert!((mean - 127.5).abs() < 10.0, "mean {mean}");
    }
}
