package wxcrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
)

// EncodingAESKeyLen is the length of an EncodingAESKey: 43 base64 characters
// that decode, with "=" appended, to a 32-byte AES-256 key.
const EncodingAESKeyLen = 43

// blockSize is the PKCS#7 block the WeChat envelope pads to. It is twice the
// AES block size; every SDK and the platform itself use 32.
const blockSize = 32

// headerLen is the 16 random bytes plus the 4-byte message length.
const headerLen = 20

// Errors returned by NewCipher and Cipher.Decrypt. Decrypt wraps them with
// detail, so test them with errors.Is.
var (
	// ErrInvalidKey means the EncodingAESKey is not 43 characters of base64
	// decoding to 32 bytes.
	ErrInvalidKey = errors.New("wxcrypt: invalid EncodingAESKey")
	// ErrInvalidBase64 means the Encrypt value is not standard base64.
	ErrInvalidBase64 = errors.New("wxcrypt: Encrypt is not valid base64")
	// ErrInvalidCiphertext means the ciphertext is empty or not a whole
	// number of AES blocks.
	ErrInvalidCiphertext = errors.New("wxcrypt: ciphertext is not a whole number of AES blocks")
	// ErrInvalidPadding means the decrypted text does not end in PKCS#7
	// padding of 1 to 32 bytes: the key is wrong or the data was altered.
	ErrInvalidPadding = errors.New("wxcrypt: invalid PKCS#7 padding")
	// ErrInvalidLength means the 4-byte message length does not fit the
	// decrypted text.
	ErrInvalidLength = errors.New("wxcrypt: message length out of bounds")
	// ErrAppIDMismatch means the appid at the end of a decrypted envelope is
	// not the expected one. The concrete error is an *AppIDMismatchError.
	ErrAppIDMismatch = errors.New("wxcrypt: appid mismatch")
)

// AppIDMismatchError reports a decrypted envelope that names another appid.
// errors.Is(err, ErrAppIDMismatch) is true for it.
type AppIDMismatchError struct {
	Want string // the account's appid
	Got  string // the appid found in the envelope
}

// Error names both appids.
func (e *AppIDMismatchError) Error() string {
	return fmt.Sprintf("wxcrypt: appid mismatch: want %q, got %q", e.Want, e.Got)
}

// Is makes errors.Is(err, ErrAppIDMismatch) match.
func (e *AppIDMismatchError) Is(target error) bool { return target == ErrAppIDMismatch }

// CheckAppID returns nil when got equals want and an *AppIDMismatchError
// otherwise. Use it on the appid returned by Cipher.Decrypt.
func CheckAppID(want, got string) error {
	if want == got {
		return nil
	}
	return &AppIDMismatchError{Want: want, Got: got}
}

// Cipher encrypts and decrypts the AES envelope of one account. It is safe
// for concurrent use.
type Cipher struct {
	block cipher.Block
	iv    [aes.BlockSize]byte
	appID string
}

// DecodeEncodingAESKey returns the 32-byte AES key of an EncodingAESKey:
// base64 of the key with "=" appended. Decoding is lenient about the unused
// trailing bits, as some real keys set them.
func DecodeEncodingAESKey(encodingAESKey string) ([]byte, error) {
	if len(encodingAESKey) != EncodingAESKeyLen {
		return nil, fmt.Errorf("%w: length %d, want %d", ErrInvalidKey, len(encodingAESKey), EncodingAESKeyLen)
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidKey, err)
	}
	if len(key) != 32 { // cannot happen for 43 valid characters; kept as a guard
		return nil, fmt.Errorf("%w: decodes to %d bytes, want 32", ErrInvalidKey, len(key))
	}
	return key, nil
}

// NewCipher returns the Cipher of the account with the given EncodingAESKey
// and appid. The key is AES-256 and the IV is its first 16 bytes.
func NewCipher(encodingAESKey, appID string) (*Cipher, error) {
	key, err := DecodeEncodingAESKey(encodingAESKey)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidKey, err)
	}
	c := &Cipher{block: block, appID: appID}
	copy(c.iv[:], key[:aes.BlockSize])
	return c, nil
}

// AppID returns the appid the Cipher appends when it encrypts.
func (c *Cipher) AppID() string { return c.appID }

// Encrypt returns the base64 Encrypt value of msg: AES-256-CBC over
// random(16) || big-endian uint32 len(msg) || msg || appid, PKCS#7-padded to
// a multiple of 32 bytes. The 16 random bytes come from crypto/rand.
func (c *Cipher) Encrypt(msg []byte) (string, error) {
	var random [16]byte
	rand.Read(random[:]) // never fails; see crypto/rand.Read
	return c.EncryptWithRandom(msg, random)
}

// EncryptWithRandom is Encrypt with the 16 random leading bytes given by the
// caller, for deterministic tests and for repeating a request's random in a
// reply the way some SDKs do.
func (c *Cipher) EncryptWithRandom(msg []byte, random [16]byte) (string, error) {
	return encrypt(c, msg, random)
}

// EncryptString is Encrypt of a message held in a string.
func (c *Cipher) EncryptString(msg string) (string, error) {
	var random [16]byte
	rand.Read(random[:]) // never fails; see crypto/rand.Read
	return encrypt(c, msg, random)
}

func encrypt[M string | []byte](c *Cipher, msg M, random [16]byte) (string, error) {
	var small [1024]byte // the base64 of a message of up to about 700 bytes
	b, err := appendEncrypt(c, small[:0], msg, random)
	return string(b), err
}

// AppendEncryptString appends the Encrypt value of msg (what
// EncryptString returns) to dst, with 16 fresh random bytes: a caller
// building a document around it makes the value without an allocation of
// its own.
func (c *Cipher) AppendEncryptString(dst []byte, msg string) ([]byte, error) {
	var random [16]byte
	rand.Read(random[:]) // never fails; see crypto/rand.Read
	return appendEncrypt(c, dst, msg, random)
}

// scratch holds padded plaintexts while they are encrypted in place: the
// block cipher is an interface, so a buffer on the stack would escape.
var scratch = sync.Pool{New: func() any { return new([scratchLen]byte) }}

// scratchLen is the pooled buffers' size: a text message or an event.
const scratchLen = 1024

// appendEncrypt appends the base64 of the encrypted msg to dst. The
// padded plaintext is encrypted in place in a pooled buffer when it fits
// (a text message or an event), then encoded onto dst.
func appendEncrypt[M string | []byte](c *Cipher, dst []byte, msg M, random [16]byte) ([]byte, error) {
	if uint64(len(msg)) > 1<<32-1 {
		return dst, fmt.Errorf("%w: message of %d bytes does not fit a uint32", ErrInvalidLength, len(msg))
	}
	n := headerLen + len(msg) + len(c.appID)
	pad := blockSize - n%blockSize // 1..32
	var plain []byte
	if n+pad <= scratchLen {
		buf := scratch.Get().(*[scratchLen]byte)
		defer scratch.Put(buf)
		plain = buf[:n+pad]
	} else {
		plain = make([]byte, n+pad)
	}
	copy(plain, random[:])
	binary.BigEndian.PutUint32(plain[16:headerLen], uint32(len(msg)))
	copy(plain[headerLen:], msg)
	copy(plain[headerLen+len(msg):], c.appID)
	for i := n; i < len(plain); i++ {
		plain[i] = byte(pad)
	}
	// CBC: each block is XORed with the previous ciphertext block (the IV
	// for the first) and encrypted.
	prev := c.iv[:]
	for i := 0; i < len(plain); i += aes.BlockSize {
		b := plain[i : i+aes.BlockSize]
		subtle.XORBytes(b, b, prev)
		c.block.Encrypt(b, b)
		prev = b
	}
	return base64.StdEncoding.AppendEncode(dst, plain), nil
}

// Decrypt opens an Encrypt value and returns the message and the appid found
// after it. It checks the base64, the block structure, the PKCS#7 padding
// (1 to 32 bytes, every pad byte equal) and the length field, but not the
// appid: compare it with CheckAppID, or use DecryptAndCheck.
func (c *Cipher) Decrypt(b64 string) (msg []byte, appID string, err error) {
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrInvalidBase64, err)
	}
	if len(data) == 0 || len(data)%aes.BlockSize != 0 {
		return nil, "", fmt.Errorf("%w: %d bytes", ErrInvalidCiphertext, len(data))
	}
	cipher.NewCBCDecrypter(c.block, c.iv[:]).CryptBlocks(data, data)

	pad := int(data[len(data)-1])
	if pad < 1 || pad > blockSize || pad > len(data) {
		return nil, "", fmt.Errorf("%w: pad byte %d", ErrInvalidPadding, pad)
	}
	for _, b := range data[len(data)-pad:] {
		if int(b) != pad {
			return nil, "", fmt.Errorf("%w: pad bytes differ", ErrInvalidPadding)
		}
	}
	data = data[:len(data)-pad]
	if len(data) < headerLen {
		return nil, "", fmt.Errorf("%w: %d bytes after unpadding, want at least %d", ErrInvalidLength, len(data), headerLen)
	}
	msgLen := uint64(binary.BigEndian.Uint32(data[16:headerLen]))
	if msgLen > uint64(len(data)-headerLen) {
		return nil, "", fmt.Errorf("%w: length field %d, only %d bytes follow", ErrInvalidLength, msgLen, len(data)-headerLen)
	}
	end := headerLen + int(msgLen)
	return data[headerLen:end:end], string(data[end:]), nil
}

// DecryptAndCheck is Decrypt followed by CheckAppID against the Cipher's own
// appid. On a mismatch it returns an error matching ErrAppIDMismatch and no
// message.
func (c *Cipher) DecryptAndCheck(b64 string) ([]byte, error) {
	msg, appID, err := c.Decrypt(b64)
	if err != nil {
		return nil, err
	}
	if err := CheckAppID(c.appID, appID); err != nil {
		return nil, err
	}
	return msg, nil
}
