import CTIFF

/// One TIFF page (directory) → RGB8 through libtiff, as Pillow 13 + `convert("RGB")` shows it.
///
/// Most layouts go through libtiff's RGBA interface (`TIFFReadRGBAImageOriented`), which handles
/// every compression libtiff has (CCITT G3/G4, LZW, Deflate, JPEG, PackBits…), bilevel, 2/4/8-bit
/// grey, palette, RGB, YCbCr and 16-bit samples. It is asked for the rows in stored order, and the
/// orientation tag is then applied as `ImageOps.exif_transpose` would (libtiff's own handling
/// cannot transpose, orientations 5–8). Extra samples (alpha) are re-declared "unspecified" so
/// libtiff drops them instead of premultiplying, matching PIL's `convert("RGB")`.
///
/// Three stripped, contiguous layouts are read as raw scanlines instead, because PIL's conversion
/// differs from libtiff's there: 16-bit grey (PIL mode I;16, clipped to 255 like PNGDecoder),
/// 16-bit RGB (PIL keeps the high byte; libtiff rounds) and 8-bit CMYK (PIL's MULDIV255 rounding;
/// libtiff truncates).
enum TIFFDecoder {
    struct Result {
        var image: RGBImage
        var orientation: Int
    }

    static func pageCount(_ client: TIFFMemoryClient) -> Int {
        Int(TIFFNumberOfDirectories(client.tiff))
    }

    static func decode(page index: Int, of client: TIFFMemoryClient, limits: ImageLimits) throws(ImageDecodeError) -> Result {
        let tiff = client.tiff
        guard index >= 0, index <= Int(UInt32.max), TIFFSetDirectory(tiff, UInt32(index)) == 1 else {
            throw client.damage("cannot read directory \(index + 1)")
        }
        guard let width: UInt32 = client.field(TIFFTAG_IMAGEWIDTH), let height: UInt32 = client.field(TIFFTAG_IMAGELENGTH) else {
            throw client.damage("page \(index + 1) has no image size")
        }
        try limits.check(width: Int(width), height: Int(height), format: .tiff)
        let orientation = Int(client.field(TIFFTAG_ORIENTATION, as: UInt16.self) ?? 1)
        let bits = client.field(TIFFTAG_BITSPERSAMPLE, as: UInt16.self) ?? 1
        let samples = client.field(TIFFTAG_SAMPLESPERPIXEL, as: UInt16.self) ?? 1
        let photometric = client.field(TIFFTAG_PHOTOMETRIC, as: UInt16.self) ?? 0
        let planar = client.field(TIFFTAG_PLANARCONFIG, as: UInt16.self) ?? UInt16(PLANARCONFIG_CONTIG)
        let sampleFormat = client.field(TIFFTAG_SAMPLEFORMAT, as: UInt16.self) ?? UInt16(SAMPLEFORMAT_UINT)
        let extra = extraSampleCount(client)

        let stored: RGBImage
        let rawLayout = TIFFIsTiled(tiff) == 0 && planar == UInt16(PLANARCONFIG_CONTIG) && sampleFormat == UInt16(SAMPLEFORMAT_UINT)
        if rawLayout && bits == 16 && photometric == UInt16(PHOTOMETRIC_MINISBLACK) && samples - extra == 1 {
            stored = try scanlines(client, width: Int(width), height: Int(height), bytesPerSample: 2, samples: Int(samples)) { row, x in
                let value = row.loadUnaligned(fromByteOffset: x * Int(samples) * 2, as: UInt16.self)
                let grey = UInt8(min(value, 255))
                return (grey, grey, grey)
            }
        } else if rawLayout && bits == 16 && photometric == UInt16(PHOTOMETRIC_RGB) && samples - extra == 3 {
            stored = try scanlines(client, width: Int(width), height: Int(height), bytesPerSample: 2, samples: Int(samples)) { row, x in
                let base = x * Int(samples) * 2
                return (UInt8(row.loadUnaligned(fromByteOffset: base, as: UInt16.self) >> 8),
                        UInt8(row.loadUnaligned(fromByteOffset: base + 2, as: UInt16.self) >> 8),
                        UInt8(row.loadUnaligned(fromByteOffset: base + 4, as: UInt16.self) >> 8))
            }
        } else if rawLayout && bits == 8 && photometric == UInt16(PHOTOMETRIC_SEPARATED) && samples >= 4
                    && (client.field(TIFFTAG_INKSET, as: UInt16.self) ?? UInt16(INKSET_CMYK)) == UInt16(INKSET_CMYK) {
            stored = try scanlines(client, width: Int(width), height: Int(height), bytesPerSample: 1, samples: Int(samples)) { row, x in
                let base = x * Int(samples)
                // CMYKConversion works on Adobe-inverted samples; TIFF stores plain CMYK.
                let inverted = (0..<4).map { 255 - row.loadUnaligned(fromByteOffset: base + $0, as: UInt8.self) }
                let rgb = CMYKConversion.adobeInvertedToRGB(inverted)
                return (rgb[0], rgb[1], rgb[2])
            }
        } else {
            stored = try rgba(client, width: Int(width), height: Int(height), orientation: orientation, extraSamples: extra)
        }
        return Result(image: stored, orientation: orientation)
    }

    private static func extraSampleCount(_ client: TIFFMemoryClient) -> UInt16 {
        var count: UInt16 = 0
        var types: UnsafeMutablePointer<UInt16>?
        let found = withUnsafeMutablePointer(to: &count) { countPointer in
            withUnsafeMutablePointer(to: &types) { typesPointer in
                withVaList([countPointer, typesPointer]) { TIFFVGetFieldDefaulted(client.tiff, UInt32(TIFFTAG_EXTRASAMPLES), $0) }
            }
        }
        return found == 1 ? count : 0
    }

    /// The RGBA interface, rows in stored order (the requested orientation equals the file's, so
    /// libtiff flips nothing); alpha re-declared unspecified so it is dropped, not premultiplied.
    private static func rgba(_ client: TIFFMemoryClient, width: Int, height: Int, orientation: Int, extraSamples: UInt16) throws(ImageDecodeError) -> RGBImage {
        let tiff = client.tiff
        if extraSamples > 0 {
            var unspecified = [UInt16](repeating: 0, count: Int(extraSamples))
            let set = unspecified.withUnsafeMutableBufferPointer { types in
                withVaList([Int32(extraSamples), types.baseAddress!]) { TIFFVSetField(tiff, UInt32(TIFFTAG_EXTRASAMPLES), $0) }
            }
            guard set == 1 else { throw client.damage("cannot read the extra samples") }
        }
        var message = [CChar](repeating: 0, count: 1024)
        guard TIFFRGBAImageOK(tiff, &message) == 1 else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw .unsupportedVariant(format: .tiff, detail: "libtiff: " + text)
        }
        var raster = [UInt32](repeating: 0, count: width * height)
        let request = (1...8).contains(orientation) ? Int32(orientation) : Int32(ORIENTATION_TOPLEFT)
        let ok = raster.withUnsafeMutableBufferPointer {
            TIFFReadRGBAImageOriented(tiff, UInt32(width), UInt32(height), $0.baseAddress, request, 1)
        }
        guard ok == 1, client.errors.isEmpty else { throw client.damage("the image data cannot be decoded") }
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        rgb.withUnsafeMutableBufferPointer { out in
            for (index, pixel) in raster.enumerated() {
                out[index * 3] = UInt8(truncatingIfNeeded: pixel)
                out[index * 3 + 1] = UInt8(truncatingIfNeeded: pixel >> 8)
                out[index * 3 + 2] = UInt8(truncatingIfNeeded: pixel >> 16)
            }
        }
        return RGBImage(width: width, height: height, pixels: rgb)
    }

    /// Raw decoded scanlines (libtiff byte-swaps 16-bit samples to native order), converted per pixel.
    private static func scanlines(_ client: TIFFMemoryClient, width: Int, height: Int, bytesPerSample: Int, samples: Int,
                                  pixel: (UnsafeRawBufferPointer, Int) -> (UInt8, UInt8, UInt8)) throws(ImageDecodeError) -> RGBImage {
        let tiff = client.tiff
        let lineSize = Int(TIFFScanlineSize(tiff))
        guard lineSize >= width * samples * bytesPerSample else { throw client.damage("the scanline size disagrees with the image width") }
        var line = [UInt8](repeating: 0, count: lineSize)
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            let ok = line.withUnsafeMutableBytes { TIFFReadScanline(tiff, $0.baseAddress, UInt32(y), 0) }
            guard ok == 1, client.errors.isEmpty else { throw client.damage("row \(y) cannot be decoded") }
            line.withUnsafeBytes { row in
                for x in 0..<width {
                    let (r, g, b) = pixel(row, x)
                    let at = (y * width + x) * 3
                    rgb[at] = r
                    rgb[at + 1] = g
                    rgb[at + 2] = b
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: rgb)
    }
}
