import CKernels

/// Element type of stored weights.
public enum WeightElement: String, Sendable {
    case f32 = "F32"
    case bf16 = "BF16"
    case f16 = "F16"
    /// llama.cpp's Q8_0: int8 values in blocks of 32, one f16 scale a block (`WeightMatrix.scales`); made
    /// by `Q8Quantizer`, never found in a checkpoint.
    case q8_0 = "Q8_0"

    /// Bytes of one stored value (Q8_0: the int8 value; its scale lives apart).
    public var byteSize: Int {
        switch self {
        case .f32: return 4
        case .bf16, .f16: return 2
        case .q8_0: return 1
        }
    }
}

/// A read-only row-major matrix [rows][cols] of stored weights (usually memory-mapped), used as the
/// `W` of `y = x·Wᵀ`: `rows` = output features, `cols` = input features. Never copied to f32 wholesale.
/// Q8_0 rows are `rowStride` = ⌈cols/32⌉·32 bytes (zero-padded) with ⌈cols/32⌉ f16 scales a row at `scales`.
public struct WeightMatrix: @unchecked Sendable {
    public let rows: Int
    public let cols: Int
    public let element: WeightElement
    public let base: UnsafeRawPointer
    /// Q8_0 only: the f16 block scales, [rows][scaleBlocks].
    public let scales: UnsafeRawPointer?
    /// Keeps the memory behind `base` alive (e.g. the mapped file) as long as the matrix exists.
    public let owner: AnyObject?

    public init(rows: Int, cols: Int, element: WeightElement, base: UnsafeRawPointer, owner: AnyObject? = nil) {
        precondition(element != .q8_0, "Q8_0 weights need their scales: use init(q8Rows:cols:values:scales:owner:)")
        self.rows = rows
        self.cols = cols
        self.element = element
        self.base = base
        self.scales = nil
        self.owner = owner
    }

    /// Q8_0 weights: `values` [rows][rowStride] int8, `scales` [rows][scaleBlocks] f16.
    public init(q8Rows rows: Int, cols: Int, values: UnsafeRawPointer, scales: UnsafeRawPointer, owner: AnyObject?) {
        self.rows = rows
        self.cols = cols
        self.element = .q8_0
        self.base = values
        self.scales = scales
        self.owner = owner
    }

    /// Wraps f32 values the caller keeps alive (e.g. a FloatBuffer).
    public init(rows: Int, cols: Int, f32 pointer: UnsafePointer<Float>) {
        self.init(rows: rows, cols: cols, element: .f32, base: UnsafeRawPointer(pointer))
    }

    /// Q8_0 blocks a row (⌈cols/32⌉).
    public static func q8Blocks(cols: Int) -> Int { (cols + Int(CK_Q8_BLOCK) - 1) / Int(CK_Q8_BLOCK) }

    /// Stored values between the starts of two rows (`cols`, or Q8_0's padded width).
    public var rowStride: Int { element == .q8_0 ? Self.q8Blocks(cols: cols) * Int(CK_Q8_BLOCK) : cols }
    /// Scale blocks a row (Q8_0; 0 otherwise).
    public var scaleBlocks: Int { element == .q8_0 ? Self.q8Blocks(cols: cols) : 0 }
    /// Bytes one pass over the matrix reads (values and scales).
    public var storedBytes: Int { rows * (rowStride * element.byteSize + scaleBlocks * 2) }

    public var f32Pointer: UnsafePointer<Float> { base.assumingMemoryBound(to: Float.self) }
    public var u16Pointer: UnsafePointer<UInt16> { base.assumingMemoryBound(to: UInt16.self) }
    public var i8Pointer: UnsafePointer<Int8> { base.assumingMemoryBound(to: Int8.self) }
    /// Q8_0 scales as f16 bit patterns (nil for other elements).
    public var scalePointer: UnsafePointer<UInt16>? { scales?.assumingMemoryBound(to: UInt16.self) }

    /// Writes rows [start, start+count) as f32 into `dst` (count × cols values), with vector conversion
    /// (F16C for f16 unless `isa` is portable).
    public func rowsAsFloat(_ start: Int, count: Int, into dst: UnsafeMutablePointer<Float>, isa: KernelISA = .active) {
        let n = count * cols
        switch element {
        case .f32:
            dst.update(from: f32Pointer + start * cols, count: n)
        case .bf16:
            BFloat16.convert(u16Pointer + start * cols, to: dst, count: n)
        case .f16:
            ck_f16_to_f32(isa.code, u16Pointer + start * cols, dst, n)
        case .q8_0:
            guard let d = scalePointer else { preconditionFailure("Q8_0 matrix without scales") }
            for r in 0..<count {
                ck_q8_dequantize_row(i8Pointer + (start + r) * rowStride, d + (start + r) * scaleBlocks, Int32(cols),
                                     dst + r * cols)
            }
        }
    }

    /// One row as a new f32 array (embedding lookups, tests).
    public func row(_ index: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: cols) { buffer, initialized in
            if let base = buffer.baseAddress { rowsAsFloat(index, count: 1, into: base) }
            initialized = cols
        }
    }

    /// A view of rows [start, start+count).
    public func slice(rows start: Int, count: Int) -> WeightMatrix {
        if element == .q8_0, let scales {
            return WeightMatrix(q8Rows: count, cols: cols, values: base + start * rowStride, scales: scales + start * scaleBlocks * 2,
                                owner: owner)
        }
        return WeightMatrix(rows: count, cols: cols, element: element, base: base + start * cols * element.byteSize, owner: owner)
    }
}
