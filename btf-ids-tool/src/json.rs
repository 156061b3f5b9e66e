//! The reports as JSON without a proc macro. `json_fields!` lists a
//! report's fields once, in the order they print, and `json_words!` gives
//! each variant of a field's enum its word. That is what
//! `#[derive(Serialize)]` would write, but the tool's dependencies then hold
//! no proc macro (serde_derive). serde itself and serde_json still do the
//! writing.

/// A report's fields, written into a JSON object (so that one report can
/// flatten another into its own object).
pub trait JsonFields {
    /// Writes each field as a map entry.
    fn write_fields<M: serde::ser::SerializeMap>(&self, m: &mut M) -> Result<(), M::Error>;
}

/// `json_fields!(Type { ..flattened, field, field: method, ... })`: `Type`
/// serializes as an object of the fields in that order. `..inner` first
/// puts `inner`'s fields in the same object, and `field: method` writes
/// `self.field.method()`. A field left out is not written.
macro_rules! json_fields {
    ($ty:ty { $(.. $flat:ident,)? $($field:ident $(: $conv:ident)?),* $(,)? }) => {
        impl $crate::json::JsonFields for $ty {
            fn write_fields<M: serde::ser::SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
                $( $crate::json::JsonFields::write_fields(&self.$flat, m)?; )?
                $( m.serialize_entry(stringify!($field), &self.$field $(.$conv())?)?; )*
                Ok(())
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut m = s.serialize_map(None)?;
                $crate::json::JsonFields::write_fields(self, &mut m)?;
                m.end()
            }
        }
    };
}

/// `json_words!(Enum { Variant => "word", ... })`: a field-less enum
/// serializes as the variant's word.
macro_rules! json_words {
    ($ty:ty { $($variant:ident => $word:literal),* $(,)? }) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(match self {
                    $(Self::$variant => $word),*
                })
            }
        }
    };
}
