//! The shape a body must have, read from the contract's own schema of the
//! type it is parsed into: which fields exist, which JSON type each takes,
//! and the bounds of every string and list (`maxLength`, `maxItems`), so
//! that no request carries more than the contract says. Values and
//! patterns are the domain rules' to check.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use serde_json::Value;

use crate::domain::FieldError;

/// A body type's schema and the schemas it refers to, as JSON.
pub struct Schemas {
    pub root: Value,
    named: HashMap<String, Value>,
}

/// The schemas of `T`, built once per type.
pub fn of<T: utoipa::ToSchema + 'static>() -> Arc<Schemas> {
    static CACHE: OnceLock<RwLock<HashMap<TypeId, Arc<Schemas>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let id = TypeId::of::<T>();
    if let Some(found) = cache.read().ok().and_then(|c| c.get(&id).cloned()) {
        return found;
    }
    let mut referred = Vec::new();
    T::schemas(&mut referred);
    let to_json = |schema| serde_json::to_value(schema).unwrap_or(Value::Null);
    let schemas = Arc::new(Schemas {
        root: to_json(T::schema()),
        named: referred
            .into_iter()
            .map(|(name, schema)| (name, to_json(schema)))
            .collect(),
    });
    if let Ok(mut cache) = cache.write() {
        cache.insert(id, schemas.clone());
    }
    schemas
}

impl Schemas {
    /// Follows `$ref`s to the schema they name.
    fn resolve<'a>(&'a self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..16 {
            match schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
                Some(name) => match self.named.get(name) {
                    Some(named) => schema = named,
                    None => return schema,
                },
                None => return schema,
            }
        }
        schema
    }

    /// The branches of a `oneOf`/`anyOf`, resolved; the schema itself otherwise.
    fn branches<'a>(&'a self, schema: &'a Value) -> Vec<&'a Value> {
        let schema = self.resolve(schema);
        match schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
            Some(branches) => branches.iter().flat_map(|b| self.branches(b)).collect(),
            None => vec![schema],
        }
    }
}

/// The JSON types a (resolved, single) schema allows; empty when it says none.
fn types(schema: &Value) -> Vec<&str> {
    match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ if schema.get("properties").is_some() => vec!["object"],
        _ => Vec::new(),
    }
}

fn is(value: &Value, json_type: &str) -> bool {
    match json_type {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "number" => value.is_number(),
        // JSON Schema counts 84.0 as an integer.
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        _ => true,
    }
}

fn described(json_types: &[&str]) -> String {
    let names: Vec<&str> = json_types
        .iter()
        .map(|t| match *t {
            "null" => "null",
            "boolean" => "true or false",
            "string" => "a string",
            "object" => "a JSON object",
            "array" => "an array",
            "number" => "a number",
            "integer" => "an integer",
            other => other,
        })
        .collect();
    format!("must be {}", names.join(" or "))
}

/// An empty value of a JSON type, to stand in for a wrong list item.
fn empty(json_type: &str) -> Option<Value> {
    match json_type {
        "object" => Some(Value::Object(Default::default())),
        "string" => Some(Value::String(String::new())),
        "array" => Some(Value::Array(Vec::new())),
        _ => None,
    }
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_owned()
    } else {
        format!("{path}.{field}")
    }
}

/// Checks `value` against `schema`, recording a [`FieldError`] for every
/// unknown field and every value of the wrong JSON type, and removing each
/// so that what is left can be read. Returns whether `value` itself fits.
pub fn walk(
    value: &mut Value,
    schema: &Value,
    path: &str,
    schemas: &Schemas,
    errors: &mut Vec<FieldError>,
) -> bool {
    let branches = schemas.branches(schema);
    let allowed: Vec<&str> = branches.iter().flat_map(|b| types(b)).collect();
    if !allowed.is_empty() && !allowed.iter().any(|t| is(value, t)) {
        let name = if path.is_empty() { "body" } else { path };
        errors.push(FieldError::new(name, described(&allowed)));
        return false;
    }
    // A bound of any branch that allows the value's type holds.
    let bound = |key: &str| {
        branches
            .iter()
            .filter_map(|b| b.get(key).and_then(Value::as_u64))
            .max()
    };
    let name = || {
        if path.is_empty() {
            "body".to_owned()
        } else {
            path.to_owned()
        }
    };
    match value {
        // A string with a pattern is a named format: the domain rule that
        // implements the pattern checks its length too, in its own words.
        Value::String(text) if !branches.iter().any(|b| b.get("pattern").is_some()) => {
            if let Some(max) = bound("maxLength")
                && text.chars().count() as u64 > max
            {
                errors.push(FieldError::new(
                    name(),
                    format!("must be at most {max} characters"),
                ));
                return false;
            }
        }
        Value::Array(items) if bound("maxItems").is_some_and(|max| items.len() as u64 > max) => {
            // Over its bound, a list is named once, its items not read.
            let max = bound("maxItems").unwrap_or_default();
            errors.push(FieldError::new(
                name(),
                format!("must have at most {max} items"),
            ));
            return false;
        }
        Value::Object(fields) => {
            let objects: Vec<&Value> = branches
                .into_iter()
                .filter(|b| types(b).contains(&"object"))
                .collect();
            let closed = !objects.is_empty()
                && objects
                    .iter()
                    .all(|o| o["additionalProperties"] == Value::Bool(false));
            let known = |field: &str| objects.iter().find_map(|o| o["properties"].get(field));
            let mut expected: Vec<&str> = objects
                .iter()
                .filter_map(|o| o["properties"].as_object())
                .flat_map(|p| p.keys().map(String::as_str))
                .collect();
            expected.sort_unstable();
            expected.dedup();
            let mut remove = Vec::new();
            for (field, child) in fields.iter_mut() {
                if let Some(child_schema) = known(field) {
                    let fits = walk(child, child_schema, &join(path, field), schemas, errors);
                    if !fits {
                        remove.push(field.clone());
                    }
                } else if closed {
                    errors.push(FieldError::new(
                        join(path, field),
                        format!(
                            "is not a field of this resource (expected {})",
                            expected.join(", ")
                        ),
                    ));
                    remove.push(field.clone());
                }
            }
            for field in remove {
                fields.remove(&field);
            }
        }
        Value::Array(items) => {
            let item_schema = schemas
                .branches(schema)
                .into_iter()
                .find_map(|b| b.get("items"))
                .cloned();
            if let Some(item_schema) = item_schema {
                // An item of the wrong type is replaced by an empty value of
                // the right one, so that the other items keep the places
                // their errors are named by; the rules' findings about the
                // stand-in are dropped, the item being named already.
                let stand_in = schemas
                    .branches(&item_schema)
                    .into_iter()
                    .flat_map(types)
                    .find_map(empty);
                for (i, item) in items.iter_mut().enumerate() {
                    if !walk(item, &item_schema, &format!("{path}[{i}]"), schemas, errors) {
                        match &stand_in {
                            Some(value) => *item = value.clone(),
                            None => return false,
                        }
                    }
                }
            }
        }
        _ => {}
    }
    true
}
