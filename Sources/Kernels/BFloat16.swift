import CKernels

/// bfloat16 values are carried as their UInt16 bit patterns (the high half of an IEEE f32).
public enum BFloat16 {
    @inline(__always)
    public static func toFloat(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

    /// Round to nearest even, as torch does; NaN stays NaN.
    @inline(__always)
    public static func fromFloat(_ value: Float) -> UInt16 {
        var u = value.bitPattern
        if u & 0x7fff_ffff > 0x7f80_0000 { return UInt16(truncatingIfNeeded: u >> 16) | 0x0040 }
        u = u &+ 0x7fff &+ ((u >> 16) & 1)
        return UInt16(truncatingIfNeeded: u >> 16)
    }

    public static func convert(_ src: UnsafePointer<UInt16>, to dst: UnsafeMutablePointer<Float>, count: Int) {
        ck_bf16_to_f32(src, dst, count)
    }

    public static func convert(_ src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<UInt16>, count: Int) {
        ck_f32_to_bf16(src, dst, count)
    }

    /// Whether this CPU runs the AVX-512 BF16 kernels (checked once at run time).
    public static let hasNativeDotProduct: Bool = ck_has_avx512bf16() != 0
}

/// IEEE half precision (F16 checkpoints), converted in software so no target CPU flag is needed.
public enum Float16Bits {
    public static func toFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exp = Int((h >> 10) & 0x1f)
        let mant = UInt32(h & 0x3ff)
        if exp == 0 {
            if mant == 0 { return Float(bitPattern: sign) }
            let value = Float(mant) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -value : value
        }
        if exp == 31 { return Float(bitPattern: sign | 0x7f80_0000 | (mant << 13)) }
        return Float(bitPattern: sign | UInt32(exp - 15 + 127) << 23 | (mant << 13))
    }
}
