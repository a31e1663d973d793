import Imaging

/// Pixel values for the vision tower: `tileCount` tiles of 3 × tileHeight × tileWidth floats,
/// channel-major per tile, local tiles row by row and then the thumbnail (as the reference's
/// `pixel_values` tensor of shape [tiles, 3, H, W]).
public struct AyaVisionPixels: Sendable {
    public let grid: AyaVisionTileGrid
    public let tileCount: Int
    public let tileWidth: Int
    public let tileHeight: Int
    public var values: [Float]
}

/// GotOcr2ImageProcessor (slow PIL path) as AyaVisionProcessor calls it: pick a tile grid, resize the
/// whole image to the grid with Pillow's bicubic filter, cut it into tiles, add a thumbnail (the whole
/// image resized to one tile) when there is more than one tile, then rescale and normalise each tile.
public struct AyaVisionImageProcessor: Sendable {
    public let config: AyaVisionPreprocessorConfig

    public init(config: AyaVisionPreprocessorConfig) {
        self.config = config
    }

    /// The grid the reference would choose for an image of this size.
    public func grid(width: Int, height: Int) -> AyaVisionTileGrid {
        guard config.cropToPatches, config.maxTiles > 1 else { return AyaVisionTileGrid(columns: 1, rows: 1) }
        return .optimal(width: width, height: height, tileWidth: config.tileWidth, tileHeight: config.tileHeight,
                        minTiles: config.minTiles, maxTiles: config.maxTiles)
    }

    /// The tiles as 8-bit images, before rescale and normalisation.
    public func tiles(_ image: RGBImage) throws -> (grid: AyaVisionTileGrid, tiles: [RGBImage]) {
        guard image.width > 0, image.height > 0 else {
            throw AyaVisionError.emptyImage(width: image.width, height: image.height)
        }
        let tw = config.tileWidth, th = config.tileHeight
        let grid = grid(width: image.width, height: image.height)
        guard config.cropToPatches, config.maxTiles > 1 else {
            return (grid, [config.doResize ? Self.resize(image, width: tw, height: th) : image])
        }
        let canvas = Self.resize(image, width: tw * grid.columns, height: th * grid.rows)
        var tiles: [RGBImage] = []
        tiles.reserveCapacity(grid.tileCount)
        for row in 0..<grid.rows {
            for column in 0..<grid.columns {
                tiles.append(Self.crop(canvas, x: column * tw, y: row * th, width: tw, height: th))
            }
        }
        if tiles.count > 1 {
            tiles.append(Self.resize(image, width: tw, height: th))
        }
        return (grid, tiles)
    }

    /// Pixel values for the vision tower.
    public func pixels(_ image: RGBImage) throws -> AyaVisionPixels {
        let (grid, tiles) = try tiles(image)
        guard let first = tiles.first else { throw AyaVisionError.emptyImage(width: image.width, height: image.height) }
        let plane = first.width * first.height
        var values = [Float](repeating: 0, count: tiles.count * 3 * plane)
        for (index, tile) in tiles.enumerated() {
            let tileValues = normalize(tile)
            values.replaceSubrange(index * 3 * plane..<(index + 1) * 3 * plane, with: tileValues)
        }
        return AyaVisionPixels(grid: grid, tileCount: tiles.count, tileWidth: first.width, tileHeight: first.height,
                               values: values)
    }

    /// Rescale (f64 multiply, then f32) and normalise ((x − mean) / std in f32), channel-major.
    func normalize(_ tile: RGBImage) -> [Float] {
        let rescale = config.doRescale ? config.rescaleFactor : 1.0
        if config.doNormalize {
            return Normalizer.normalize(tile, mean: config.mean, std: config.std, rescale: rescale).planes
        }
        let plane = tile.width * tile.height
        var out = [Float](repeating: 0, count: 3 * plane)
        for i in 0..<plane {
            for c in 0..<3 {
                out[c * plane + i] = Float(Double(tile.pixels[i * 3 + c]) * rescale)
            }
        }
        return out
    }

    /// Pillow returns a copy when the size does not change; the resampler is only asked for real resizes.
    static func resize(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        if image.width == width && image.height == height { return image }
        return BicubicResampler.resize(image, width: width, height: height)
    }

    static func crop(_ image: RGBImage, x: Int, y: Int, width: Int, height: Int) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        image.pixels.withUnsafeBufferPointer { src in
            pixels.withUnsafeMutableBufferPointer { dst in
                for row in 0..<height {
                    let from = ((y + row) * image.width + x) * 3
                    for i in 0..<(width * 3) { dst[row * width * 3 + i] = src[from + i] }
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
