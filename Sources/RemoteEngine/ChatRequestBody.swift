import Foundation
import Inference

/// The JSON of `POST /chat/completions` for one image: one user turn holding the image (a base64
/// PNG data URL) and the prompt, in that order (as the local engines render it), streamed, asking
/// for per-token log-probs. `top_logprobs: 1` keeps them small: llama-server sends 20 alternatives
/// per token when it is not set and none at all at 0 (tools/server/server-common.cpp,
/// `n_probs = json_value(body, "top_logprobs", 20)`); servers that have no log-probs (transformers
/// serve) accept and ignore both keys.
enum ChatRequestBody {
    static func json(model: String, png: [UInt8], request: OCRRequest) throws -> Data {
        var body: [String: Any] = [
            "model": model,
            "messages": [[
                "role": "user",
                "content": [
                    ["type": "image_url", "image_url": ["url": "data:image/png;base64," + Data(png).base64EncodedString()]],
                    ["type": "text", "text": request.prompt],
                ],
            ]],
            "max_tokens": request.maxNewTokens,
            "stream": true,
            "stream_options": ["include_usage": true],
            "logprobs": true,
            "top_logprobs": 1,
        ]
        if request.greedy {
            body["temperature"] = 0
        } else {
            if let temperature = request.sampling.temperature { body["temperature"] = Double(temperature) }
            if let topP = request.sampling.topP { body["top_p"] = Double(topP) }
        }
        if let seed = request.sampling.seed { body["seed"] = seed }
        return try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])
    }
}
