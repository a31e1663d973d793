import Foundation

/// The functions every template can call: jinja2's globals (range, namespace, dict, cycler, joiner)
/// and the two transformers adds (raise_exception, strftime_now).
extension Interpreter {
    func globals(_ name: String) -> Value? {
        switch name {
        case "range":
            return Methods.bound(name) { args, _ in
                let ints = try args.map { v -> Int in
                    guard case let .int(i)? = v.number else { throw EvalError.runtime("'\(v.typeName)' object cannot be interpreted as an integer") }
                    return i
                }
                var (start, stop, step) = (0, 0, 1)
                switch ints.count {
                case 1: stop = ints[0]
                case 2: (start, stop) = (ints[0], ints[1])
                case 3: (start, stop, step) = (ints[0], ints[1], ints[2])
                default: throw EvalError.runtime("range expected 1 to 3 arguments, got \(ints.count)")
                }
                guard step != 0 else { throw EvalError.runtime("range() arg 3 must not be zero") }
                // Count before building (the sandbox's MAX_RANGE), in Double to stay clear of overflow.
                let count = max(0, ((Double(stop) - Double(start)) / Double(step)).rounded(.up))
                guard count <= 100_000 else { throw EvalError.runtime("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).") }
                return .list(stride(from: start, to: stop, by: step).map(Value.int))
            }
        case "namespace", "dict":
            return Methods.bound(name) { args, kwargs in
                var d = OrderedDict()
                if let first = args.first {
                    guard case let .dict(initial) = first else { throw EvalError.unsupported("\(name)() with a non-dict positional argument") }
                    d = initial
                }
                for (k, v) in kwargs { d[.string(k)] = v }
                return name == "dict" ? .dict(d) : .namespace(Namespace(d))
            }
        case "raise_exception":
            return Methods.bound(name) { args, _ in
                throw EvalError.raised(args.first?.pyStr ?? "")
            }
        case "strftime_now":
            return Methods.bound(name) { [now] args, _ in
                guard case let .string(format)? = args.first else { throw EvalError.runtime("strftime_now() needs a format string") }
                return .string(try Strftime.format(now, format))
            }
        case "joiner":
            return Methods.bound(name) { args, _ in
                let sep = args.first?.pyStr ?? ", "
                let used = Namespace(OrderedDict())
                return Methods.bound("joiner") { _, _ in
                    if used.attributes["used"] == nil {
                        used.attributes[.string("used")] = .bool(true)
                        return .string("")
                    }
                    return .string(sep)
                }
            }
        case "cycler", "lipsum":
            return Methods.bound(name) { _, _ in throw EvalError.unsupported("global '\(name)'") }
        default:
            return nil
        }
    }
}
