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
}

/// IEEE half precision (F16 checkpoints), carried as UInt16 bit patterns.
public enum Float16Bits {
    /// One value, in software (exact for subnormals, Inf and NaN).
    @inline(__always)
    public static func toFloat(_ h: UInt16) -> Float { ck_f16_to_f32_scalar(h) }

    /// `count` values, vectorised (F16C) unless `isa` is portable.
    public static func convert(_ src: UnsafePointer<UInt16>, to dst: UnsafeMutablePointer<Float>, count: Int,
                               isa: KernelISA = .active) {
        ck_f16_to_f32(isa.code, src, dst, count)
    }
}
