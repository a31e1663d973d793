import Foundation
import Inference

/// The JSON of `POST /chat/completions` for one image: one user turn holding the image (a base64
/// PNG data URL) and the prompt, in that order (as the local engines render it), streamed.
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
