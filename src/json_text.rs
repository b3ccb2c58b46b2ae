//! JSON text handed to JavaScript without a copy where the runtime allows it.
//!
//! A flush answers tens of megabytes of JSON. `napi_create_string_utf8` copies
//! it into V8's heap, so the process briefly holds it twice. On Node-API 10
//! (Node 22.14+, 24, 26) ASCII text becomes an external one-byte string that
//! V8 reads in place and frees through the finalizer. Elsewhere (Node 20,
//! non-ASCII paths, small answers) it is copied as before.

use std::ffi::c_void;

use napi::bindgen_prelude::{FromNapiValue, Result, ToNapiValue, TypeName, ValidateNapiValue, ValueType};
use napi::sys;

/// Below this size the copy is cheaper than an external string's bookkeeping
/// (V8 copies short external strings anyway).
const EXTERNAL_FROM: usize = 64 * 1024;

/// A `String` of JSON that becomes a JS string (typed `string` in native.d.ts).
pub struct JsonText(pub String);

impl From<String> for JsonText {
    fn from(text: String) -> Self {
        JsonText(text)
    }
}

impl TypeName for JsonText {
    fn type_name() -> &'static str {
        "String"
    }
    fn value_type() -> ValueType {
        ValueType::String
    }
}

impl ValidateNapiValue for JsonText {}

impl FromNapiValue for JsonText {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> Result<Self> {
        String::from_napi_value(env, value).map(JsonText)
    }
}

impl ToNapiValue for JsonText {
    unsafe fn to_napi_value(env: sys::napi_env, text: Self) -> Result<sys::napi_value> {
        let text = text.0;
        if text.len() < EXTERNAL_FROM || !text.is_ascii() || node_api_version(env) < 10 {
            return String::to_napi_value(env, text);
        }
        // V8 owns the bytes from here: the finalizer rebuilds and drops the String.
        let mut text = std::mem::ManuallyDrop::new(text.into_bytes());
        let (ptr, len, cap) = (text.as_mut_ptr(), text.len(), text.capacity());
        let hint = Box::into_raw(Box::new((len, cap)));
        let mut value = std::ptr::null_mut();
        let mut copied = false;
        let status = sys::node_api_create_external_string_latin1(
            env,
            ptr.cast(),
            len as isize,
            Some(drop_text),
            hint.cast(),
            &mut value,
            &mut copied,
        );
        if status != sys::Status::napi_ok {
            // No finalizer runs on failure: take the bytes back and copy them.
            drop(Box::from_raw(hint));
            let text = String::from_utf8_unchecked(Vec::from_raw_parts(ptr, len, cap));
            return String::to_napi_value(env, text);
        }
        Ok(value)
    }
}

unsafe fn node_api_version(env: sys::napi_env) -> u32 {
    let mut version = 0;
    if sys::napi_get_version(env, &mut version) != sys::Status::napi_ok {
        return 0;
    }
    version
}

unsafe extern "C" fn drop_text(_env: sys::node_api_basic_env, data: *mut c_void, hint: *mut c_void) {
    let (len, cap): (usize, usize) = *Box::from_raw(hint.cast());
    drop(Vec::from_raw_parts(data.cast::<u8>(), len, cap));
}
