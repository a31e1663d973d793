/// A fixed-size, 64-byte-aligned, zero-initialised Float buffer for activations and scratch.
/// A class so big buffers are never copied by accident; the pointer stays valid for its lifetime.
public final class FloatBuffer: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    /// `zeroed: false` skips the fill for scratch that is written before it is read.
    public init(count: Int, zeroed: Bool = true) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        if zeroed {
            raw.initializeMemory(as: Float.self, repeating: 0, count: max(count, 1))
        }
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }

    public subscript(index: Int) -> Float {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }

    /// Pointer to element `offset`.
    public func at(_ offset: Int) -> UnsafeMutablePointer<Float> { pointer + offset }

    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    public func fill(_ value: Float) { pointer.update(repeating: value, count: count) }
}
