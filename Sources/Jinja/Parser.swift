/// Builds the statement tree from tokens, following jinja2's grammar and operator precedence
/// (`or` < `and` < `not` < comparisons < `+ -` < `~` < `* / // %` < `**` < unary `- +` < postfix,
/// filters and tests).
struct Parser {
    private var tokens: [Token]
    private var i = 0
    private let sourceName: String
    private var loopDepth = 0
    private var nesting = 0

    init(tokens: [Token], sourceName: String) {
        self.tokens = tokens
        self.sourceName = sourceName
    }

    static func parse(_ source: String, sourceName: String) throws -> [Stmt] {
        var parser = Parser(tokens: try Lexer.tokenize(source, sourceName: sourceName), sourceName: sourceName)
        let body = try parser.subparse(until: [])
        guard case .eof = parser.current.kind else { throw parser.fail("unexpected \(parser.describe(parser.current))") }
        return body
    }

    // MARK: token helpers

    private var current: Token { tokens[i] }
    private func peek(_ n: Int = 1) -> Token { tokens[min(i + n, tokens.count - 1)] }
    private mutating func next() -> Token {
        let t = tokens[i]
        if i < tokens.count - 1 { i += 1 }
        return t
    }

    private func fail(_ message: String, line: Int? = nil) -> JinjaError {
        .syntax(source: sourceName, line: line ?? current.line, message: message)
    }

    private func unsupported(_ construct: String) -> JinjaError {
        .unsupported(source: sourceName, line: current.line, construct: construct)
    }

    private func describe(_ t: Token) -> String {
        switch t.kind {
        case let .data(s): return "text \(s.prefix(20).debugDescription)"
        case .variableBegin: return "'{{'"
        case .variableEnd: return "'}}'"
        case .blockBegin: return "'{%'"
        case .blockEnd: return "'%}'"
        case let .name(n): return "'\(n)'"
        case let .string(s): return "string \(s.debugDescription)"
        case let .integer(n): return "integer \(n)"
        case let .float(d): return "float \(d)"
        case let .op(o): return "'\(o)'"
        case .eof: return "end of template"
        }
    }

    private func isOp(_ op: String, _ t: Token? = nil) -> Bool {
        if case let .op(o) = (t ?? current).kind { return o == op }
        return false
    }

    private func isName(_ name: String, _ t: Token? = nil) -> Bool {
        if case let .name(n) = (t ?? current).kind { return n == name }
        return false
    }

    private mutating func skipOp(_ op: String) -> Bool {
        if isOp(op) { _ = next(); return true }
        return false
    }

    private mutating func skipName(_ name: String) -> Bool {
        if isName(name) { _ = next(); return true }
        return false
    }

    private mutating func expectOp(_ op: String) throws {
        guard skipOp(op) else { throw fail("expected '\(op)', got \(describe(current))") }
    }

    private mutating func expectName() throws -> String {
        guard case let .name(n) = current.kind else { throw fail("expected a name, got \(describe(current))") }
        _ = next()
        return n
    }

    private mutating func expectBlockEnd() throws {
        guard case .blockEnd = current.kind else { throw fail("expected '%}', got \(describe(current))") }
        _ = next()
    }

    // MARK: statements

    /// Statements up to a `{% name %}` whose name is in `endNames` (left as the current token).
    private mutating func subparse(until endNames: Set<String>) throws -> [Stmt] {
        var body: [Stmt] = []
        while true {
            switch current.kind {
            case let .data(s):
                _ = next()
                body.append(.text(s))
            case .variableBegin:
                let line = next().line
                let e = try parseTuple()
                guard case .variableEnd = current.kind else { throw fail("expected '}}', got \(describe(current))") }
                _ = next()
                body.append(.output(e, line: line))
            case .blockBegin:
                _ = next()
                if case let .name(n) = current.kind, endNames.contains(n) { return body }
                body.append(try parseStatement())
                try expectBlockEnd()
            case .eof:
                if endNames.isEmpty { return body }
                throw fail("unexpected end of template, expected one of \(endNames.sorted().map { "'\($0)'" }.joined(separator: ", "))")
            default:
                throw fail("unexpected \(describe(current))")
            }
        }
    }

    /// After a block tag's header: `%}`, the body, and (with `drop`) the end name.
    private mutating func statements(until endNames: Set<String>, drop: Bool = false) throws -> [Stmt] {
        _ = skipOp(":")
        try expectBlockEnd()
        let body = try subparse(until: endNames)
        if case .eof = current.kind { throw fail("unexpected end of template, expected \(endNames.sorted().joined(separator: " or "))") }
        if drop { _ = next() }
        return body
    }

    private mutating func parseStatement() throws -> Stmt {
        let line = current.line
        nesting += 1
        defer { nesting -= 1 }
        guard nesting <= Limits.maxNesting else { throw fail("tags nested more than \(Limits.maxNesting) levels deep") }
        guard case let .name(keyword) = current.kind else { throw fail("tag name expected, got \(describe(current))") }
        switch keyword {
        case "if": _ = next(); return try parseIf()
        case "for": _ = next(); return try parseFor(line: line)
        case "set": _ = next(); return try parseSet(line: line)
        case "macro": _ = next(); return try parseMacro(line: line)
        case "call": _ = next(); return try parseCallBlock(line: line)
        case "filter":
            _ = next()
            let filters = try parseFilterChain()
            let body = try statements(until: ["endfilter"], drop: true)
            return .filterBlock(filters: filters, body: body, line: line)
        case "break", "continue":
            _ = next()
            guard loopDepth > 0 else { throw fail("'\(keyword)' outside of a loop") }
            return keyword == "break" ? .breakLoop(line: line) : .continueLoop(line: line)
        case "generation":
            _ = next()
            return .generation(body: try statements(until: ["endgeneration"], drop: true))
        default:
            throw unsupported("tag '\(keyword)'")
        }
    }

    private mutating func parseIf() throws -> Stmt {
        var branches: [(Expr, [Stmt])] = []
        var otherwise: [Stmt] = []
        var condition = try parseTuple(withCondexpr: false)
        while true {
            let body = try statements(until: ["elif", "else", "endif"])
            branches.append((condition, body))
            let tag = try expectName()
            if tag == "elif" {
                condition = try parseTuple(withCondexpr: false)
                continue
            }
            if tag == "else" { otherwise = try statements(until: ["endif"], drop: true) }
            break
        }
        return .ifElse(branches: branches, otherwise: otherwise)
    }

    private mutating func parseFor(line: Int) throws -> Stmt {
        let target = try parseAssignTarget(extraEnd: ["in"])
        guard skipName("in") else { throw fail("expected 'in', got \(describe(current))") }
        let iterable = try parseTuple(withCondexpr: false, extraEnd: ["recursive"])
        var condition: Expr?
        if skipName("if") { condition = try parseExpression() }
        let recursive = skipName("recursive")
        loopDepth += 1
        let body = try statements(until: ["endfor", "else"])
        loopDepth -= 1
        var otherwise: [Stmt] = []
        if try expectName() == "else" { otherwise = try statements(until: ["endfor"], drop: true) }
        return .forLoop(target: target, iterable: iterable, condition: condition, body: body, otherwise: otherwise,
                        recursive: recursive, line: line)
    }

    private mutating func parseSet(line: Int) throws -> Stmt {
        let target: Target
        if case let .name(ns) = current.kind, isOp(".", peek()) {
            _ = next(); _ = next()
            target = .attribute(ns, try expectName())
        } else {
            target = try parseAssignTarget(extraEnd: [])
        }
        if skipOp("=") { return .set(target, try parseTuple(), line: line) }
        let filters = skipOp("|") ? try parseFilterChain() : []
        let body = try statements(until: ["endset"], drop: true)
        return .setBlock(target, body: body, filters: filters, line: line)
    }

    private mutating func parseAssignTarget(extraEnd: Set<String>) throws -> Target {
        var names: [Target] = []
        var sawComma = false
        while true {
            if !names.isEmpty {
                guard skipOp(",") else { break }
                sawComma = true
            }
            if isTupleEnd(extraEnd) || isOp("=") { break }
            if skipOp("(") {
                names.append(try parseAssignTarget(extraEnd: []))
                try expectOp(")")
            } else {
                names.append(.name(try expectName()))
            }
        }
        guard !names.isEmpty else { throw fail("expected an assignment target") }
        return names.count == 1 && !sawComma ? names[0] : .tuple(names)
    }

    private mutating func parseSignature() throws -> [(String, Expr?)] {
        var params: [(String, Expr?)] = []
        try expectOp("(")
        while !isOp(")") {
            if !params.isEmpty { try expectOp(",") }
            if isOp(")") { break }
            let name = try expectName()
            params.append((name, skipOp("=") ? try parseExpression() : nil))
        }
        try expectOp(")")
        return params
    }

    private mutating func parseMacro(line: Int) throws -> Stmt {
        let name = try expectName()
        let params = try parseSignature()
        let saved = loopDepth
        loopDepth = 0
        let body = try statements(until: ["endmacro"], drop: true)
        loopDepth = saved
        return .macro(MacroDefinition(name: name, parameters: params, body: body, line: line))
    }

    private mutating func parseCallBlock(line: Int) throws -> Stmt {
        let params = isOp("(") ? try parseSignature() : []
        let call = try parseExpression()
        guard case .call = call else { throw fail("expected a call after 'call'", line: line) }
        let body = try statements(until: ["endcall"], drop: true)
        return .callBlock(call: call, parameters: params, body: body, line: line)
    }

    /// `name(args)|name ...` of a filter block or set block.
    private mutating func parseFilterChain() throws -> [(String, [Expr], [(String, Expr)])] {
        var chain: [(String, [Expr], [(String, Expr)])] = []
        repeat {
            let name = try parseDottedName()
            var args: [Expr] = []
            var kwargs: [(String, Expr)] = []
            if isOp("(") { (args, kwargs) = try parseCallArguments() }
            chain.append((name, args, kwargs))
        } while skipOp("|")
        return chain
    }

    // MARK: expressions

    private func isTupleEnd(_ extraEnd: Set<String>) -> Bool {
        switch current.kind {
        case .variableEnd, .blockEnd, .eof: return true
        case let .op(o): return o == ")"
        case let .name(n): return extraEnd.contains(n)
        default: return false
        }
    }

    private mutating func parseTuple(withCondexpr: Bool = true, extraEnd: Set<String> = [], explicitParentheses: Bool = false) throws -> Expr {
        var items: [Expr] = []
        var sawComma = false
        while true {
            if !items.isEmpty {
                guard skipOp(",") else { break }
                sawComma = true
            }
            if isTupleEnd(extraEnd) { break }
            items.append(withCondexpr ? try parseExpression() : try parseOr())
        }
        if !sawComma {
            if let only = items.first { return only }
            if !explicitParentheses { throw fail("expected an expression, got \(describe(current))") }
        }
        return .tuple(items)
    }

    private mutating func parseExpression() throws -> Expr {
        var e = try parseOr()
        while skipName("if") {
            let test = try parseOr()
            let otherwise = skipName("else") ? try parseExpression() : nil
            e = .conditional(test: test, then: e, otherwise: otherwise)
        }
        return e
    }

    private mutating func parseOr() throws -> Expr {
        var e = try parseAnd()
        while isName("or") {
            let line = next().line
            e = .binary(.or, e, try parseAnd(), line: line)
        }
        return e
    }

    private mutating func parseAnd() throws -> Expr {
        var e = try parseNot()
        while isName("and") {
            let line = next().line
            e = .binary(.and, e, try parseNot(), line: line)
        }
        return e
    }

    private mutating func parseNot() throws -> Expr {
        if skipName("not") { return .not(try parseNot()) }
        return try parseCompare()
    }

    private mutating func parseCompare() throws -> Expr {
        let line = current.line
        let first = try parseMath1()
        var ops: [(CompareOp, Expr)] = []
        while true {
            if case let .op(o) = current.kind, let op = CompareOp(rawValue: o), o != "in" {
                _ = next()
                ops.append((op, try parseMath1()))
            } else if skipName("in") {
                ops.append((.in, try parseMath1()))
            } else if isName("not"), isName("in", peek()) {
                _ = next(); _ = next()
                ops.append((.notIn, try parseMath1()))
            } else {
                break
            }
        }
        return ops.isEmpty ? first : .compare(first, ops, line: line)
    }

    private mutating func parseMath1() throws -> Expr {
        var e = try parseConcat()
        while isOp("+") || isOp("-") {
            let t = next()
            let op: BinaryOp = isOp("+", t) ? .add : .sub
            e = .binary(op, e, try parseConcat(), line: t.line)
        }
        return e
    }

    private mutating func parseConcat() throws -> Expr {
        var e = try parseMath2()
        while isOp("~") {
            let line = next().line
            e = .binary(.concat, e, try parseMath2(), line: line)
        }
        return e
    }

    private mutating func parseMath2() throws -> Expr {
        var e = try parsePow()
        while true {
            guard case let .op(o) = current.kind, ["*", "/", "//", "%"].contains(o) else { break }
            let line = next().line
            e = .binary(BinaryOp(rawValue: o)!, e, try parsePow(), line: line)
        }
        return e
    }

    private mutating func parsePow() throws -> Expr {
        var e = try parseUnary()
        while isOp("**") {
            let line = next().line
            e = .binary(.pow, e, try parseUnary(), line: line)
        }
        return e
    }

    private mutating func parseUnary(withFilter: Bool = true) throws -> Expr {
        nesting += 1
        defer { nesting -= 1 }
        guard nesting <= Limits.maxNesting else { throw fail("expression nested more than \(Limits.maxNesting) levels deep") }
        var e: Expr
        let line = current.line
        if skipOp("-") {
            e = .negate(try parseUnary(withFilter: false), line: line)
        } else if skipOp("+") {
            e = .plus(try parseUnary(withFilter: false), line: line)
        } else {
            e = try parsePrimary()
        }
        e = try parsePostfix(e)
        if withFilter { e = try parseFilterExpression(e) }
        return e
    }

    private mutating func parsePrimary() throws -> Expr {
        let t = current
        switch t.kind {
        case let .name(n):
            _ = next()
            switch n {
            case "true", "True": return .literal(.bool(true))
            case "false", "False": return .literal(.bool(false))
            case "none", "None": return .literal(.none)
            default: return .name(n, line: t.line)
            }
        case let .string(s):
            _ = next()
            var value = s
            while case let .string(more) = current.kind {
                value += more
                _ = next()
            }
            return .literal(.string(value))
        case let .integer(n):
            _ = next()
            return .literal(.int(n))
        case let .float(d):
            _ = next()
            return .literal(.float(d))
        case let .op(o) where o == "(":
            _ = next()
            let e = try parseTuple(explicitParentheses: true)
            try expectOp(")")
            return e
        case let .op(o) where o == "[":
            _ = next()
            var items: [Expr] = []
            while !isOp("]") {
                if !items.isEmpty { try expectOp(",") }
                if isOp("]") { break }
                items.append(try parseExpression())
            }
            try expectOp("]")
            return .list(items)
        case let .op(o) where o == "{":
            _ = next()
            var pairs: [(Expr, Expr)] = []
            while !isOp("}") {
                if !pairs.isEmpty { try expectOp(",") }
                if isOp("}") { break }
                let key = try parseExpression()
                try expectOp(":")
                pairs.append((key, try parseExpression()))
            }
            try expectOp("}")
            return .dict(pairs)
        default:
            throw fail("unexpected \(describe(t))")
        }
    }

    private mutating func parsePostfix(_ base: Expr) throws -> Expr {
        var e = base
        while true {
            if isOp(".") || isOp("[") {
                e = try parseSubscript(e)
            } else if isOp("(") {
                e = try parseCall(e)
            } else {
                return e
            }
        }
    }

    private mutating func parseFilterExpression(_ base: Expr) throws -> Expr {
        var e = base
        while true {
            if isOp("|") {
                e = try parseFilter(e)
            } else if isName("is") {
                e = try parseTest(e)
            } else if isOp("(") {
                e = try parseCall(e)
            } else {
                return e
            }
        }
    }

    private mutating func parseSubscript(_ base: Expr) throws -> Expr {
        let t = next()
        if isOp(".", t) {
            switch current.kind {
            case let .name(n):
                _ = next()
                return .attribute(base, n, line: t.line)
            case let .integer(n):
                _ = next()
                return .item(base, .literal(.int(n)), line: t.line)
            default:
                throw fail("expected an attribute name after '.', got \(describe(current))")
            }
        }
        // '['
        var args: [Expr] = []
        while !isOp("]") {
            if !args.isEmpty { try expectOp(",") }
            args.append(try parseSubscribed(base, line: t.line))
        }
        try expectOp("]")
        if args.count == 1 {
            if case .slice = args[0] { return args[0] }
            return .item(base, args[0], line: t.line)
        }
        return .item(base, .tuple(args), line: t.line)
    }

    /// One subscript: an expression or a slice `a:b:c` (returned as `.slice` over `base`).
    private mutating func parseSubscribed(_ base: Expr, line: Int) throws -> Expr {
        var start: Expr?
        if !isOp(":") {
            let e = try parseExpression()
            guard isOp(":") else { return e }
            start = e
        }
        _ = next()
        var stop: Expr?
        var step: Expr?
        if !isOp("]") && !isOp(",") && !isOp(":") { stop = try parseExpression() }
        if skipOp(":") {
            if !isOp("]") && !isOp(",") { step = try parseExpression() }
        }
        return .slice(base, start: start, stop: stop, step: step, line: line)
    }

    private mutating func parseCallArguments() throws -> ([Expr], [(String, Expr)]) {
        try expectOp("(")
        var args: [Expr] = []
        var kwargs: [(String, Expr)] = []
        var first = true
        while !isOp(")") {
            if !first { try expectOp(",") }
            first = false
            if isOp(")") { break }
            if isOp("*") || isOp("**") { throw unsupported("*args / **kwargs in a call") }
            if case let .name(n) = current.kind, isOp("=", peek()) {
                _ = next(); _ = next()
                kwargs.append((n, try parseExpression()))
            } else {
                if !kwargs.isEmpty { throw fail("positional argument after keyword argument") }
                args.append(try parseExpression())
            }
        }
        try expectOp(")")
        return (args, kwargs)
    }

    private mutating func parseCall(_ callee: Expr) throws -> Expr {
        let line = current.line
        let (args, kwargs) = try parseCallArguments()
        return .call(callee, args: args, kwargs: kwargs, line: line)
    }

    private mutating func parseDottedName() throws -> String {
        var name = try expectName()
        while isOp(".") {
            _ = next()
            name += "." + (try expectName())
        }
        return name
    }

    private mutating func parseFilter(_ base: Expr) throws -> Expr {
        var e = base
        while isOp("|") {
            let line = next().line
            let name = try parseDottedName()
            var args: [Expr] = []
            var kwargs: [(String, Expr)] = []
            if isOp("(") { (args, kwargs) = try parseCallArguments() }
            e = .filter(e, name: name, args: args, kwargs: kwargs, line: line)
        }
        return e
    }

    private mutating func parseTest(_ base: Expr) throws -> Expr {
        let line = next().line  // 'is'
        let negated = skipName("not")
        let name = try parseDottedName()
        var args: [Expr] = []
        if isOp("(") {
            let (a, kw) = try parseCallArguments()
            if !kw.isEmpty { throw unsupported("keyword arguments to test '\(name)'") }
            args = a
        } else {
            var takesArgument = false
            switch current.kind {
            case let .name(n): takesArgument = !["else", "or", "and"].contains(n)
            case .string, .integer, .float: takesArgument = true
            case let .op(o): takesArgument = o == "[" || o == "{"
            default: break
            }
            if takesArgument {
                if isName("is") { throw fail("you cannot chain multiple tests with is") }
                args = [try parsePostfix(try parsePrimary())]
            }
        }
        return .test(base, name: name, args: args, negated: negated, line: line)
    }
}
