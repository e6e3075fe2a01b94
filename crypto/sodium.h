// libsodium initialisation. Every crypto entry point calls EnsureSodium(),
// so callers never need to; it is thread-safe and cheap after the first call.
#pragma once

namespace hearth::crypto {

// Initialises libsodium once. Aborts the process if libsodium cannot start
// (no entropy source): nothing in Hearth can run safely without it.
void EnsureSodium();

// Fills `out` with cryptographically secure random bytes.
void RandomBytes(void* out, unsigned long long size);

// Overwrites `size` bytes at `p` with zeros in a way the compiler keeps.
void Wipe(void* p, unsigned long long size);

}  // namespace hearth::crypto
