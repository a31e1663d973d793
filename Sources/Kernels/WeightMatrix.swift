import CKernels

/// Element type of stored weights.
public enum WeightElement: String, Sendable {
    case f32 = "F32"
    case bf16 = "BF16"
    case f16 = "F16"

    public var byteSize: Int { self == .f32 ? 4 : 2 }
}

/// A read-only row-major matrix [rows][cols] of stored weights (usually memory-mapped), used as the
/// `W` of `y = x·Wᵀ`: `rows` = output features, `cols` = input features. Never copied to f32 wholesale.
public struct WeightMatrix: @unchecked Sendable {
    public let rows: Int
    public let cols: Int
    public let element: WeightElement
    public let base: UnsafeRawPointer
    /// Keeps the memory behind `base` alive (e.g. the mapped file) as long as the matrix exists.
    public let owner: AnyObject?

    public init(rows: Int, cols: Int, element: WeightElement, base: UnsafeRawPointer, owner: AnyObject? = nil) {
        self.rows = rows
        self.cols = cols
        self.element = element
        self.base = base
        self.owner = owner
    }

    /// Wraps f32 values the caller keeps alive (e.g. a FloatBuffer).
    public init(rows: Int, cols: Int, f32 pointer: UnsafePointer<Float>) {
        self.init(rows: rows, cols: cols, element: .f32, base: UnsafeRawPointer(pointer))
    }

    public var f32Pointer: UnsafePointer<Float> { base.assumingMemoryBound(to: Float.self) }
    public var u16Pointer: UnsafePointer<UInt16> { base.assumingMemoryBound(to: UInt16.self) }

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
        WeightMatrix(rows: count, cols: cols, element: element, base: base + start * cols * element.byteSize, owner: owner)
    }
}
