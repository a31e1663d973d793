/// A normalised image: 3 planes (R, G, B) of height × width Float32, channel-major.
public struct NormalizedImage: Sendable {
    public let width: Int
    public let height: Int
    /// 3 × height × width values: plane c, row y, column x at `(c * height + y) * width + x`.
    public var planes: [Float]

    public init(width: Int, height: Int, planes: [Float]) {
        self.width = width
        self.height = height
        self.planes = planes
    }
}
