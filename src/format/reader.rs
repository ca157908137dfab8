//! The strict JSON reader: duplicate keys, nesting depth, value counts and
//! non-integer numbers are rejected with their JSON path ([`json_from_str`];
//! programs go through [`Program::parse`]).

use super::*;

/// Which numbers the JSON reader turns into values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Numbers {
    /// Programs: every number in format 1 is an integer, so a token with a
    /// fraction or an exponent, or an integer beyond 64 bits, is an error
    /// where it stands. These are the tokens that JSON readers disagree on
    /// (Python reads `1e3` as a float and `2**70` exactly, serde_json both as
    /// floats), so no `Value` could carry what the line says.
    Format1Integers,
    /// Observations: informational keys (timings) may hold any finite number.
    Any,
}

/// One step of a JSON path: an object key or a list index.
enum Segment {
    Key(String),
    Index(usize),
}

/// A JSON reader that builds a `serde_json::Value` but, unlike
/// `serde_json::from_str`, rejects duplicate keys (serde_json keeps the last
/// one, so `{"format": 2, "format": 1}` would run), limits nesting with its
/// own message, keeps the text of numbers for messages, and names the JSON
/// path of every error.
pub(crate) struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    path: Vec<Segment>,
    depth: usize,
    numbers: Numbers,
    /// Values read so far (programs only, see [`MAX_PROGRAM_JSON_VALUES`]).
    values: usize,
}

/// A number token longer than this is shortened in messages.
const MAX_QUOTED_NUMBER: usize = 40;

fn quote_number(token: &str) -> String {
    if token.len() <= MAX_QUOTED_NUMBER {
        token.to_string()
    } else {
        // Number tokens are ASCII, so any byte index is a char boundary.
        format!(
            "{}... ({} characters)",
            &token[..MAX_QUOTED_NUMBER - 8],
            token.len()
        )
    }
}

impl<'a> Reader<'a> {
    pub(crate) fn new(text: &'a str, numbers: Numbers) -> Reader<'a> {
        Reader {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            path: Vec::new(),
            depth: 0,
            numbers,
            values: 0,
        }
    }

    fn path_string(&self) -> String {
        let mut s = String::new();
        for (i, seg) in self.path.iter().enumerate() {
            match seg {
                Segment::Key(k) if i == 0 => s.push_str(k),
                Segment::Key(k) => {
                    s.push('.');
                    s.push_str(k);
                }
                Segment::Index(i) => {
                    s.push('[');
                    s.push_str(&i.to_string());
                    s.push(']');
                }
            }
        }
        s
    }

    /// `column C` (1-based, in characters), with the line when the text has
    /// several (pretty-printed documents).
    pub(crate) fn place(&self, pos: usize) -> String {
        let before = &self.text[..pos];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        if line_start == 0 {
            format!("column {column}")
        } else {
            let line = before.matches('\n').count() + 1;
            format!("line {line} column {column}")
        }
    }

    fn fail<T>(&self, message: impl Into<String>) -> Result<T, FormatError> {
        Err(FormatError {
            path: self.path_string(),
            message: message.into(),
        })
    }

    /// What is at `pos`, for "found ..." (the end, a visible character, or
    /// the code point of an invisible one such as NUL).
    fn found(&self, pos: usize) -> String {
        match self.text[pos..].chars().next() {
            None => "the end of the text".to_string(),
            Some(c) if c.is_ascii_graphic() => format!("`{c}`"),
            Some(c) => format!("U+{:04X}", c as u32),
        }
    }

    fn expected<T>(&self, what: &str) -> Result<T, FormatError> {
        self.fail(format!(
            "invalid JSON: expected {what} at {}, found {}",
            self.place(self.pos),
            self.found(self.pos)
        ))
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// The whole text is one JSON value, with nothing but whitespace around it.
    pub(crate) fn document(mut self) -> Result<Json, FormatError> {
        if self.text.starts_with('\u{feff}') {
            return self.fail("a UTF-8 byte-order mark at the start of the line is not allowed");
        }
        self.skip_ws();
        if self.pos == self.bytes.len() {
            return self.fail("invalid JSON: no value (the text is empty or only whitespace)");
        }
        let v = self.value()?;
        self.skip_ws();
        if self.pos < self.bytes.len() {
            return self.fail(format!(
                "invalid JSON: {} at {} after the end of the JSON value",
                self.found(self.pos),
                self.place(self.pos)
            ));
        }
        Ok(v)
    }

    fn value(&mut self) -> Result<Json, FormatError> {
        if matches!(self.numbers, Numbers::Format1Integers) {
            self.values += 1;
            if self.values > MAX_PROGRAM_JSON_VALUES {
                return self.fail(format!(
                    "the program holds more than 2^21 JSON values (at {}); format 1 programs are smaller",
                    self.place(self.pos)
                ));
            }
        }
        match self.peek() {
            Some(b'{') => self.nested(Reader::object),
            Some(b'[') => self.nested(Reader::list),
            Some(b'"') => self.string().map(Json::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'n') => self.literal("null", Json::Null),
            _ => self.expected("a value"),
        }
    }

    fn nested(
        &mut self,
        read: fn(&mut Reader<'a>) -> Result<Json, FormatError>,
    ) -> Result<Json, FormatError> {
        // The reader recurses once per level, so the limit also bounds its stack.
        if self.depth == MAX_JSON_DEPTH {
            // The path goes up to the innermost key: a path through 128
            // nested lists would be 128 `[0]`s, the column says where.
            let last_key = self.path.iter().rposition(|s| matches!(s, Segment::Key(_)));
            self.path.truncate(last_key.map_or(0, |k| k + 1));
            return self.fail(format!(
                "lists and objects are nested more than {MAX_JSON_DEPTH} deep (at {})",
                self.place(self.pos)
            ));
        }
        self.depth += 1;
        let v = read(self);
        self.depth -= 1;
        v
    }

    fn literal(&mut self, word: &str, v: Json) -> Result<Json, FormatError> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(v)
        } else {
            self.expected(&format!("`{word}`"))
        }
    }

    fn list(&mut self) -> Result<Json, FormatError> {
        self.pos += 1; // [
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Json::Array(items));
        }
        loop {
            self.skip_ws();
            self.path.push(Segment::Index(items.len()));
            let item = self.value()?;
            self.path.pop();
            items.push(item);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.comma(b']')?,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                _ => return self.expected("`,` or `]`"),
            }
        }
    }

    fn object(&mut self) -> Result<Json, FormatError> {
        self.pos += 1; // {
        let mut map = Map::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Json::Object(map));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return self.expected("a key (a string)");
            }
            let key = self.string()?;
            if map.contains_key(&key) {
                return self.fail(format!("duplicate key {key:?}"));
            }
            self.skip_ws();
            if self.peek() != Some(b':') {
                return self.expected("`:`");
            }
            self.pos += 1;
            self.skip_ws();
            self.path.push(Segment::Key(key));
            let v = self.value()?;
            let Some(Segment::Key(key)) = self.path.pop() else {
                unreachable!("the key pushed above")
            };
            map.insert(key, v);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.comma(b'}')?,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Json::Object(map));
                }
                _ => return self.expected("`,` or `}`"),
            }
        }
    }

    /// Steps over a `,` that must be followed by another entry: JSON has no
    /// trailing commas, and saying so is clearer than "expected a value".
    fn comma(&mut self, close: u8) -> Result<(), FormatError> {
        let at = self.pos;
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(close) {
            return self.fail(format!(
                "invalid JSON: trailing comma at {} before `{}`",
                self.place(at),
                close as char
            ));
        }
        Ok(())
    }

    fn string(&mut self) -> Result<String, FormatError> {
        let open = self.pos;
        self.pos += 1; // "
        let mut out = String::new();
        loop {
            let start = self.pos;
            while let Some(&b) = self.bytes.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            // Stops only at ASCII bytes, so both ends are char boundaries.
            out.push_str(&self.text[start..self.pos]);
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    let c = self.escape()?;
                    out.push(c);
                }
                Some(b) => {
                    return self.fail(format!(
                        "invalid JSON: control character U+{b:04X} in a string at {} (write it as an escape)",
                        self.place(self.pos)
                    ))
                }
                None => {
                    return self.fail(format!(
                        "invalid JSON: the string that starts at {} is not closed",
                        self.place(open)
                    ))
                }
            }
        }
    }

    fn escape(&mut self) -> Result<char, FormatError> {
        let at = self.pos;
        self.pos += 1; // backslash
        let Some(b) = self.peek() else {
            return self.expected("an escape character");
        };
        self.pos += 1;
        Ok(match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4(at)?;
                if (0xD800..0xDC00).contains(&hi) {
                    if self.text[self.pos..].starts_with("\\u") {
                        self.pos += 2;
                        let lo = self.hex4(at)?;
                        if (0xDC00..0xE000).contains(&lo) {
                            let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                            return Ok(char::from_u32(c).expect("a valid surrogate pair"));
                        }
                    }
                    return self.fail(format!(
                        "invalid JSON: unpaired surrogate \\u{hi:04X} in a string at {}",
                        self.place(at)
                    ));
                }
                match char::from_u32(hi) {
                    Some(c) => c,
                    None => {
                        return self.fail(format!(
                            "invalid JSON: unpaired surrogate \\u{hi:04X} in a string at {}",
                            self.place(at)
                        ))
                    }
                }
            }
            _ => {
                return self.fail(format!(
                    "invalid JSON: unknown escape `\\{}` in a string at {}",
                    self.text[at + 1..].chars().next().unwrap_or(' '),
                    self.place(at)
                ));
            }
        })
    }

    fn hex4(&mut self, at: usize) -> Result<u32, FormatError> {
        let digits = self.bytes.get(self.pos..self.pos + 4);
        match digits.filter(|d| d.iter().all(u8::is_ascii_hexdigit)) {
            Some(d) => {
                self.pos += 4;
                let s = std::str::from_utf8(d).expect("hex digits are ASCII");
                Ok(u32::from_str_radix(s, 16).expect("four hex digits"))
            }
            None => self.fail(format!(
                "invalid JSON: \\u at {} needs four hex digits",
                self.place(at)
            )),
        }
    }

    fn number(&mut self) -> Result<Json, FormatError> {
        let start = self.pos;
        // The token for messages: every character a number may contain.
        let mut end = start;
        while let Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') = self.bytes.get(end) {
            end += 1;
        }
        let token = &self.text[start..end];
        let b = token.as_bytes();
        // JSON's grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
        let mut i = usize::from(b.first() == Some(&b'-'));
        let digits = |i: &mut usize| {
            let s = *i;
            while b.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i - s
        };
        let int_start = i;
        let int_digits = digits(&mut i);
        let mut ok = int_digits > 0 && (b[int_start] != b'0' || int_digits == 1);
        let mut integer = true;
        if ok && b.get(i) == Some(&b'.') {
            i += 1;
            integer = false;
            ok = digits(&mut i) > 0;
        }
        if ok && matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            integer = false;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            ok = digits(&mut i) > 0;
        }
        if !ok || i != b.len() {
            return self.fail(format!(
                "invalid JSON: malformed number `{}` at {}",
                quote_number(token),
                self.place(start)
            ));
        }
        self.pos = end;
        if integer {
            if let Ok(v) = token.parse::<i64>() {
                return Ok(Json::from(v));
            }
            if let Ok(v) = token.parse::<u64>() {
                return Ok(Json::from(v));
            }
        }
        match self.numbers {
            Numbers::Format1Integers if integer => self.fail(format!(
                "integer {} is outside [-(2^31 - 1), 2^31 - 1]",
                quote_number(token)
            )),
            Numbers::Format1Integers => {
                self.fail(format!("{} {NOT_AN_INTEGER}", quote_number(token)))
            }
            Numbers::Any => match token
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
            {
                Some(n) => Ok(Json::Number(n)),
                None => self.fail(format!("number {} is out of range", quote_number(token))),
            },
        }
    }
}

/// Why a number is not a format-1 integer, after the number.
pub(crate) const NOT_AN_INTEGER: &str =
    "is not an integer (format 1 integers are JSON integers without fraction or exponent)";

/// Parses JSON text strictly: a duplicate key, nesting deeper than
/// [`MAX_JSON_DEPTH`], a byte-order mark or anything after the value is an
/// error with its JSON path. Numbers become integers when they are integer
/// tokens that fit 64 bits, otherwise floats. For corpus files and
/// observations; programs go through [`Program::parse`].
pub fn json_from_str(text: &str) -> Result<Json, FormatError> {
    Reader::new(text, Numbers::Any).document()
}
