import Kernels
import Tokenizers

/// The token-by-token loop shared by the engines: pick, stop checks, log-probabilities under the raw
/// logits, streamed text. `step(id)` feeds one token to the model and returns the next logits.
struct DecodeLoop {
    var maxNewTokens: Int
    var eosTokenIDs: Set<Int>
    /// Keep going past EOS: EOS ids are masked out of the choice (benchmarks, parity runs).
    var ignoreEOS: Bool
    var sampler: TokenSampler
    var repetitionGuard: RepetitionGuard?

    struct Outcome {
        var tokens: [Int] = []
        var logprobs: [Float] = []
        var text = ""
        var finishReason: FinishReason = .maxTokens
    }

    /// The decode phase of one OCR request, as every engine runs it: sampling and EOS ids from
    /// generation_config.json unless the request overrides them, the loop guard unless EOS is
    /// ignored, text streamed without special tokens, one `.token` event per generated token.
    static func generate(request: OCRRequest, generation: GenerationConfig, repetitionGuard: RepetitionGuard,
                         tokenizer: BPETokenizer, firstLogits: [Float], prompt: [Int],
                         onEvent: (OCREvent) -> Void, onLogits: (([Float]) -> Void)?,
                         step: (Int) -> [Float]) throws -> Outcome {
        var loop = DecodeLoop(maxNewTokens: max(0, request.maxNewTokens), eosTokenIDs: Set(generation.eosTokenIDs),
                              ignoreEOS: request.ignoreEOS,
                              sampler: TokenSampler(SamplingParameters(generation: generation, request: request)),
                              repetitionGuard: request.ignoreEOS ? nil : repetitionGuard)
        var detokenizer = StreamingDetokenizer(tokenizer: tokenizer, skipSpecialTokens: true)
        return try loop.run(cancellation: request.cancellation, firstLogits: firstLogits, prompt: prompt, detokenizer: &detokenizer,
                        onToken: { id, text, count in onEvent(.token(id: id, text: text, count: count)) },
                        onLogits: onLogits, step: step)
    }

    mutating func run(cancellation: CancellationFlag? = nil, firstLogits: [Float], prompt: [Int], detokenizer: inout StreamingDetokenizer,
                      onToken: (Int, String, Int) -> Void, onLogits: (([Float]) -> Void)? = nil,
                      step: (Int) -> [Float]) throws -> Outcome {
        var outcome = Outcome()
        var logits = firstLogits
        var seen = Set(prompt)
        while outcome.tokens.count < maxNewTokens {
            onLogits?(logits)
            var choice = logits
            if ignoreEOS { for id in eosTokenIDs where id < choice.count { choice[id] = -.infinity } }
            let id = sampler.pick(choice, seen: seen)
            if eosTokenIDs.contains(id) && !ignoreEOS {
                outcome.finishReason = .eos
                break
            }
            let logprob = Softmax.logProbability(logits, index: id)
            outcome.tokens.append(id)
            outcome.logprobs.append(logprob)
            seen.insert(id)
            let piece = detokenizer.append(id)
            outcome.text += piece
            onToken(id, piece, outcome.tokens.count)
            if let guardRule = repetitionGuard, guardRule.loopPeriod(outcome.tokens) != nil {
                outcome.finishReason = .loop
                break
            }
            if outcome.tokens.count >= maxNewTokens { break }
            try cancellation?.check()
            logits = step(id)
        }
        outcome.text += detokenizer.finish()
        return outcome
    }
}
