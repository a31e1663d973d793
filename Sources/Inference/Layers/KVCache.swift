import Kernels

/// Per-layer key/value rows (f32, keys stored after RoPE) for causal decoding.
public final class KVCache: @unchecked Sendable {
    public let layers: Int
    public let width: Int
    public private(set) var capacity: Int
    /// Number of positions filled.
    public var count: Int = 0
    private var keys: [FloatBuffer]
    private var values: [FloatBuffer]

    public init(layers: Int, width: Int, capacity: Int) {
        self.layers = layers
        self.width = width
        self.capacity = max(capacity, 1)
        keys = (0..<layers).map { _ in FloatBuffer(count: max(capacity, 1) * width) }
        values = (0..<layers).map { _ in FloatBuffer(count: max(capacity, 1) * width) }
    }

    /// Makes room for `needed` positions, keeping what is stored.
    public func reserve(_ needed: Int) {
        guard needed > capacity else { return }
        let newCapacity = max(needed, capacity * 2)
        for l in 0..<layers {
            let k = FloatBuffer(count: newCapacity * width), v = FloatBuffer(count: newCapacity * width)
            k.pointer.update(from: keys[l].pointer, count: count * width)
            v.pointer.update(from: values[l].pointer, count: count * width)
            keys[l] = k
            values[l] = v
        }
        capacity = newCapacity
    }

    public func keys(layer: Int) -> UnsafeMutablePointer<Float> { keys[layer].pointer }
    public func values(layer: Int) -> UnsafeMutablePointer<Float> { values[layer].pointer }
}
