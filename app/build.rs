//! Generates the message catalogue from `locales/*.txt`: one `Msg` variant per key, one string table
//! per language. Both files must hold exactly the same keys, or the build fails naming the difference,
//! so a string can never be missing in one language at run time.
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::{env, fs, path::Path};

const LOCALES: [(&str, &str); 2] = [("ZH_CN", "locales/zh-CN.txt"), ("EN", "locales/en.txt")];

fn parse(path: &str) -> BTreeMap<String, String> {
    println!("cargo:rerun-if-changed={path}");
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let mut entries = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("{path}:{}: expected `key = text`", n + 1));
        let key = key.trim().to_string();
        assert!(
            key.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_'),
            "{path}:{}: key `{key}` must be lower-case ascii, digits, `.` and `_`",
            n + 1
        );
        let value = value.trim().replace("\\n", "\n");
        if entries.insert(key.clone(), value).is_some() {
            panic!("{path}:{}: key `{key}` appears twice", n + 1);
        }
    }
    entries
}

fn variant(key: &str) -> String {
    key.split(['.', '_'])
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            let first = chars.next().unwrap().to_ascii_uppercase();
            std::iter::once(first).chain(chars).collect::<String>()
        })
        .collect()
}

fn main() {
    let tables: Vec<(&str, BTreeMap<String, String>)> = LOCALES
        .iter()
        .map(|(name, path)| (*name, parse(path)))
        .collect();
    let keys: Vec<&String> = tables[0].1.keys().collect();
    for (name, table) in &tables[1..] {
        let missing: Vec<_> = keys
            .iter()
            .filter(|k| !table.contains_key(k.as_str()))
            .collect();
        let extra: Vec<_> = table
            .keys()
            .filter(|k| !tables[0].1.contains_key(k.as_str()))
            .collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "locale {name} differs from {}: missing {missing:?}, extra {extra:?}",
            tables[0].0
        );
    }

    let mut out = String::new();
    out.push_str("/// Every user-visible message; its text per language is in `app/locales/`.\n");
    out.push_str(
        "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\n#[repr(u16)]\npub enum Msg {\n",
    );
    for key in &keys {
        writeln!(out, "    /// `{key}`\n    {},", variant(key)).unwrap();
    }
    out.push_str("}\n\n");
    for (name, table) in &tables {
        writeln!(out, "static {name}: [&str; {}] = [", keys.len()).unwrap();
        for key in &keys {
            writeln!(out, "    {:?},", table[key.as_str()]).unwrap();
        }
        out.push_str("];\n\n");
    }
    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join("messages.rs");
    fs::write(dest, out).unwrap();
}
