package reload

import (
	"encoding/json"
	"fmt"

	"github.com/craftingapis/todos/edgeauth"
)

// mergeUpdates folds edgeauth.ConfigUpdate documents into an ABI v1 Config
// the way the module does (ABI.md, edgeauth_update): revocations are added,
// the later exp winning for a jti or sid listed twice, and a subject's
// cutoff only moves later. Every other member of the config is kept as it
// is. It is the fallback for a Host that cannot take updates, so its cost
// (the whole config) is paid only on a module swap.
func mergeUpdates(configJSON []byte, updates [][]byte) ([]byte, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(configJSON, &doc); err != nil {
		return nil, fmt.Errorf("reload: config in force: %w", err)
	}
	var cfg struct {
		Revoked            []edgeauth.Revocation        `json:"revoked"`
		RevokedSessions    []edgeauth.SessionRevocation `json:"revoked_sessions"`
		SubjectsValidAfter map[string]int64             `json:"subjects_valid_after"`
	}
	if err := json.Unmarshal(configJSON, &cfg); err != nil {
		return nil, fmt.Errorf("reload: config in force: %w", err)
	}
	jtis := map[string]int64{}
	for _, r := range cfg.Revoked {
		jtis[r.JTI] = max(jtis[r.JTI], r.Exp)
	}
	sids := map[string]int64{}
	for _, r := range cfg.RevokedSessions {
		sids[r.SID] = max(sids[r.SID], r.Exp)
	}
	cutoffs := cfg.SubjectsValidAfter
	if cutoffs == nil {
		cutoffs = map[string]int64{}
	}
	for _, b := range updates {
		var u edgeauth.ConfigUpdate
		if err := json.Unmarshal(b, &u); err != nil {
			return nil, fmt.Errorf("reload: update: %w", err)
		}
		for _, r := range u.Revoked {
			jtis[r.JTI] = max(jtis[r.JTI], r.Exp)
		}
		for _, r := range u.RevokedSessions {
			sids[r.SID] = max(sids[r.SID], r.Exp)
		}
		for sub, v := range u.SubjectsValidAfter {
			cutoffs[sub] = max(cutoffs[sub], v)
		}
	}
	set := func(name string, v any, n int) error {
		if n == 0 {
			delete(doc, name) // omitted when empty, as the control plane does
			return nil
		}
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		doc[name] = b
		return nil
	}
	revoked := make([]edgeauth.Revocation, 0, len(jtis))
	for jti, exp := range jtis {
		revoked = append(revoked, edgeauth.Revocation{JTI: jti, Exp: exp})
	}
	sessions := make([]edgeauth.SessionRevocation, 0, len(sids))
	for sid, exp := range sids {
		sessions = append(sessions, edgeauth.SessionRevocation{SID: sid, Exp: exp})
	}
	if err := set("revoked", revoked, len(revoked)); err != nil {
		return nil, err
	}
	if err := set("revoked_sessions", sessions, len(sessions)); err != nil {
		return nil, err
	}
	if err := set("subjects_valid_after", cutoffs, len(cutoffs)); err != nil {
		return nil, err
	}
	return json.Marshal(doc)
}
