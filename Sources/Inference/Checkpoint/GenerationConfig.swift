/// generation_config.json: stop ids and sampling defaults (HF semantics; missing keys = HF defaults).
public struct GenerationConfig: Sendable, Equatable {
    public var eosTokenIDs: [Int]
    public var doSample: Bool
    public var temperature: Float
    public var topK: Int
    public var topP: Float
    public var repetitionPenalty: Float
    public var maxNewTokens: Int?

    public init(eosTokenIDs: [Int], doSample: Bool = false, temperature: Float = 1, topK: Int = 50, topP: Float = 1,
                repetitionPenalty: Float = 1, maxNewTokens: Int? = nil) {
        self.eosTokenIDs = eosTokenIDs
        self.doSample = doSample
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.repetitionPenalty = repetitionPenalty
        self.maxNewTokens = maxNewTokens
    }

    /// Reads the file; when it is absent, stops on `fallbackEOS` (config.json's eos_token_id) and decodes greedily.
    public init(json: JSONObject?, fallbackEOS: [Int]) throws {
        guard let json else {
            self.init(eosTokenIDs: fallbackEOS)
            return
        }
        self.init(eosTokenIDs: try json.ints("eos_token_id", in: 0...ConfigLimits.vocab.upperBound) ?? fallbackEOS,
                  doSample: try json.bool("do_sample") ?? false,
                  temperature: Float(try json.double("temperature") ?? 1),
                  topK: try json.int("top_k", in: 0...ConfigLimits.vocab.upperBound) ?? 50,
                  topP: Float(try json.double("top_p") ?? 1),
                  repetitionPenalty: Float(try json.double("repetition_penalty") ?? 1),
                  maxNewTokens: try json.int("max_new_tokens", in: ConfigLimits.context))
        guard temperature > 0 || !doSample else {
            throw CheckpointError.invalidValue(path: json.path, key: "temperature", reason: "must be > 0 when do_sample is true")
        }
    }
}
