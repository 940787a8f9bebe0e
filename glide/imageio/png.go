// Package imageio writes WebGLIDE's images: PNGs that carry how they were
// made as text chunks, and contact sheets of a batch with the prompt as
// caption.
package imageio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"io"
	"sort"
	"strings"
)

// EncodePNG writes img as a PNG with one tEXt chunk per text entry (keys
// sorted), placed right after the IHDR chunk. Keys must be 1–79 Latin-1
// printable characters (PNG spec §11.3.4.3); values that are not Latin-1
// are written as UTF-8 in an iTXt chunk instead.
func EncodePNG(w io.Writer, img image.Image, text map[string]string) error {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	data := buf.Bytes()
	// Signature (8) + IHDR chunk (4 length + 4 type + 13 data + 4 CRC).
	const ihdrEnd = 8 + 4 + 4 + 13 + 4
	if len(data) < ihdrEnd || string(data[12:16]) != "IHDR" {
		return errors.New("imageio: unexpected PNG layout")
	}
	keys := make([]string, 0, len(text))
	for k := range text {
		if err := checkKey(k); err != nil {
			return err
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var chunks bytes.Buffer
	for _, k := range keys {
		v := text[k]
		if latin1(v) {
			writeChunk(&chunks, "tEXt", append(append([]byte(k), 0), toLatin1(v)...))
		} else {
			// keyword, 0, compression flag 0, method 0, empty language, 0, empty translated keyword, 0, text
			payload := append([]byte(k), 0, 0, 0, 0, 0)
			writeChunk(&chunks, "iTXt", append(payload, v...))
		}
	}
	out := make([]byte, 0, len(data)+chunks.Len())
	out = append(out, data[:ihdrEnd]...)
	out = append(out, chunks.Bytes()...)
	out = append(out, data[ihdrEnd:]...)
	_, err := w.Write(out)
	return err
}

func checkKey(k string) error {
	if len(k) == 0 || len(k) > 79 || strings.HasPrefix(k, " ") || strings.HasSuffix(k, " ") || strings.Contains(k, "  ") {
		return fmt.Errorf("imageio: bad PNG text keyword %q", k)
	}
	for _, r := range k {
		if r < 32 || (r > 126 && r < 161) || r > 255 {
			return fmt.Errorf("imageio: bad PNG text keyword %q", k)
		}
	}
	return nil
}

func latin1(s string) bool {
	for _, r := range s {
		if r > 255 || (r < 32 && r != '\n') {
			return false
		}
	}
	return true
}

func toLatin1(s string) []byte {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		b = append(b, byte(r))
	}
	return b
}

func writeChunk(w *bytes.Buffer, typ string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	w.Write(n[:])
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	w.WriteString(typ)
	w.Write(data)
	binary.BigEndian.PutUint32(n[:], crc.Sum32())
	w.Write(n[:])
}

// ReadText returns the tEXt and iTXt entries of a PNG stream.
func ReadText(r io.Reader) (map[string]string, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if len(data) < 8 || string(data[1:4]) != "PNG" {
		return nil, errors.New("imageio: not a PNG")
	}
	out := map[string]string{}
	for p := 8; p+12 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[p:]))
		if n < 0 || p+12+n > len(data) {
			return nil, errors.New("imageio: truncated PNG chunk")
		}
		typ, body := string(data[p+4:p+8]), data[p+8:p+8+n]
		switch typ {
		case "tEXt":
			if i := bytes.IndexByte(body, 0); i > 0 {
				v := make([]rune, 0, len(body)-i-1)
				for _, c := range body[i+1:] {
					v = append(v, rune(c))
				}
				out[string(body[:i])] = string(v)
			}
		case "iTXt":
			if i := bytes.IndexByte(body, 0); i > 0 && len(body) >= i+3 {
				rest := body[i+3:]
				// language tag, 0, translated keyword, 0, text
				if j := bytes.IndexByte(rest, 0); j >= 0 {
					rest = rest[j+1:]
					if k := bytes.IndexByte(rest, 0); k >= 0 {
						out[string(body[:i])] = string(rest[k+1:])
					}
				}
			}
		}
		p += 12 + n
	}
	return out, nil
}
