package weights

import (
	"testing"
)

// FuzzParseManifest: no input may panic; whatever parses must also pass
// Validate again after a Marshal round trip, and every tensor must lie
// inside its shard.
func FuzzParseManifest(f *testing.F) {
	b, err := validManifest().Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"format":"webglide-bundle","version":1,"kind":"base","config":{},"tokenizer":"glide-bpe","tensors":[{"name":"x","shape":[],"dtype":"f16","shard":0,"offset":0,"length":2,"max_abs_rounding_error":0}],"shards":[{"file":"0000.bin","bytes":2,"sha256":"` + "0000000000000000000000000000000000000000000000000000000000000000" + `"}]}`))
	f.Add([]byte(`{"tensors":[{"shape":[9223372036854775807,2]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data)
		if err != nil {
			return
		}
		for _, tn := range m.Tensors {
			s := m.Shards[tn.Shard]
			if tn.Offset < 0 || tn.Offset+tn.Length > s.Bytes || tn.Length != 2*tn.Numel() {
				t.Fatalf("accepted a bad tensor %+v in shard %+v", tn, s)
			}
		}
		out, err := m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseManifest(out); err != nil {
			t.Fatalf("round trip refused: %v", err)
		}
	})
}
