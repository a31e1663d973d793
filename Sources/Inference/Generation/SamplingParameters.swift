/// The decoding rule for one request: generation_config.json defaults, then request overrides.
public struct SamplingParameters: Sendable, Equatable {
    public var doSample: Bool
    public var temperature: Float
    public var topK: Int
    public var topP: Float
    public var repetitionPenalty: Float
    public var seed: UInt64

    public static let greedy = SamplingParameters(doSample: false, temperature: 1, topK: 0, topP: 1,
                                                  repetitionPenalty: 1, seed: 0)

    public init(doSample: Bool, temperature: Float, topK: Int, topP: Float, repetitionPenalty: Float, seed: UInt64) {
        self.doSample = doSample
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.repetitionPenalty = repetitionPenalty
        self.seed = seed
    }

    /// `greedy` forces arg-max (the repetition penalty still applies, as in HF). An override of
    /// temperature/top-k/top-p turns sampling on.
    public init(generation g: GenerationConfig, request: OCRRequest) {
        let o = request.sampling
        let overridden = o.temperature != nil || o.topK != nil || o.topP != nil
        self.init(doSample: !request.greedy && (g.doSample || overridden),
                  temperature: o.temperature ?? g.temperature,
                  topK: o.topK ?? g.topK,
                  topP: o.topP ?? g.topP,
                  repetitionPenalty: o.repetitionPenalty ?? g.repetitionPenalty,
                  seed: o.seed ?? 0x5EED)
    }
}
