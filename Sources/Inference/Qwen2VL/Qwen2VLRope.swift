import Kernels

/// Rotary tables and M-RoPE position ids for Qwen2-VL (reference §4.2, §5.3, §5.4, Appendix A).
public enum Qwen2VLRope {
    /// torch's f32 inv_freq bit patterns for the published shapes; other shapes are computed.
    static let visionTable: [UInt32] = [
        0x3f800000, 0x3f21866b, 0x3ecbd4b4, 0x3e809bcc, 0x3e224b06, 0x3dcccccd, 0x3d813855, 0x3d231091, 0x3ccdc613, 0x3c81d5a0,
        0x3c23d70a, 0x3bcec089, 0x3b8273a4, 0x3b249e78, 0x3acfbc32, 0x3a83126f, 0x3a2566d4, 0x39d0b907, 0x3983b1fa, 0x39263028,
    ]
    static let textTable: [UInt32] = [
        0x3f800000, 0x3f4e4bad, 0x3f263de0, 0x3f05f6ef, 0x3ed7e89b, 0x3eadfcff, 0x3e8c3504, 0x3e61f835,
        0x3e361887, 0x3e12bd91, 0x3dec7fd6, 0x3dbe94c6, 0x3d99940d, 0x3d778513, 0x3d47763f, 0x3d20bc1d,
        0x3d0186e3, 0x3cd0c1a8, 0x3ca8398b, 0x3c879008, 0x3c5a7bf2, 0x3c301052, 0x3c0de12d, 0x3be4aa46,
        0x3bb8449c, 0x3b947dae, 0x3b6f520e, 0x3b40dac5, 0x3b1b690d, 0x3afa78f0, 0x3ac9d75c, 0x3aa2a6f7,
        0x3a83126f, 0x3a533f28, 0x3a2a3b44, 0x3a092e02, 0x39dd1725, 0x39b229fb, 0x398f9272, 0x39676492,
        0x393a7753, 0x39164324, 0x38f22ce2, 0x38c327b5, 0x389d43a4, 0x387d75d4, 0x384c3fbe, 0x382497ab,
        0x3804a2b2, 0x37d5c441, 0x37ac431d, 0x378ad0ed, 0x375fba4f, 0x37344a0e, 0x371148e3, 0x36ea2732,
        0x36bcb0c1, 0x36980e02, 0x36751070, 0x36457bab, 0x361f23e4, 0x36003dec, 0x35ceaf79, 0x35a68e4c,
    ]

    /// inv_freq[i] = 1/theta^(2i/dim), i < dim/2, bit-exact with torch for the published shapes.
    public static func inverseFrequencies(dim: Int, theta: Float) -> [Float] {
        if dim == 40, theta == 10000 { return visionTable.map(Float.init(bitPattern:)) }
        if dim == 128, theta == 1_000_000 { return textTable.map(Float.init(bitPattern:)) }
        return RotaryEmbedding.inverseFrequencies(dim: dim, base: theta)
    }

    /// Three position components (t, h, w) per prompt token, and rope_delta (reference §5.4).
    public struct Positions: Equatable, Sendable {
        public var t: [Int]
        public var h: [Int]
        public var w: [Int]
        public var ropeDelta: Int
        public var count: Int { t.count }
    }

    /// Positions for a prompt whose image runs (consecutive `imageTokenID`s) belong, in order, to
    /// images of the given grids (t, h, w before merging).
    public static func positions(tokens: [Int], imageTokenID: Int, grids: [(t: Int, h: Int, w: Int)],
                                 mergeSize: Int) -> Positions {
        var t: [Int] = [], h: [Int] = [], w: [Int] = []
        t.reserveCapacity(tokens.count); h.reserveCapacity(tokens.count); w.reserveCapacity(tokens.count)
        var next = 0, i = 0, image = 0
        while i < tokens.count {
            if tokens[i] == imageTokenID, image < grids.count {
                let g = grids[image]
                let gt = g.t, gh = g.h / mergeSize, gw = g.w / mergeSize
                let start = next
                for ti in 0..<gt {
                    for hi in 0..<gh {
                        for wi in 0..<gw {
                            t.append(start + ti); h.append(start + hi); w.append(start + wi)
                        }
                    }
                }
                i += gt * gh * gw
                next = start + max(gt, gh, gw)
                image += 1
            } else {
                t.append(next); h.append(next); w.append(next)
                next += 1
                i += 1
            }
        }
        return Positions(t: Array(t.prefix(tokens.count)), h: Array(h.prefix(tokens.count)),
                         w: Array(w.prefix(tokens.count)), ropeDelta: next - tokens.count)
    }

    /// cos/sin rows (headDim/2 per token) for M-RoPE: frequency j uses component t, h or w by
    /// `section` (e.g. [16, 24, 24]).
    static func tables(t: ArraySlice<Int>, h: ArraySlice<Int>, w: ArraySlice<Int>, invFreq: [Float],
                       section: [Int]) -> (cos: [Float], sin: [Float]) {
        let half = invFreq.count
        var component = [Int](repeating: 0, count: half)
        var j = 0
        for (c, size) in section.enumerated() {
            for _ in 0..<size where j < half {
                component[j] = c
                j += 1
            }
        }
        let rows = t.count
        var angles = [Float](repeating: 0, count: rows * half)
        for (r, (pt, (ph, pw))) in zip(t, zip(h, w)).enumerated() {
            let p = [pt, ph, pw]
            for j in 0..<half { angles[r * half + j] = Float(p[component[j]]) * invFreq[j] }
        }
        return RotaryEmbedding.tables(angles: angles)
    }
}
