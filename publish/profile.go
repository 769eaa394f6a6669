package publish

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// MaxAvatarBytes bounds an avatar file: it is fetched with every page
// view and by every reader that shows the author.
const MaxAvatarBytes = 1 << 20

// avatarTypes maps the image types an avatar may have to its file name.
var avatarTypes = map[string]string{"image/png": "avatar.png", "image/jpeg": "avatar.jpg",
	"image/gif": "avatar.gif", "image/webp": "avatar.webp"}

// ProfileOptions are the arguments of `feedpub profile`; an empty field
// leaves its setting as it is.
type ProfileOptions struct {
	Name, Bio, Avatar string // Avatar: the path of an image file to use
	SetBio            bool   // set Bio even when empty (clears it)
}

// SetProfile writes the author's name (author), bio and avatar into
// feedpub.toml; the avatar file is copied into the site directory as
// avatar.EXT, which every build copies into the output root. It returns
// the new configuration.
func SetProfile(dir string, o ProfileOptions) (*Config, error) {
	path := filepath.Join(dir, ConfigFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the configuration: %w", err)
	}
	set := map[string]string{}
	if o.Name != "" {
		set["author"] = o.Name
	}
	if o.Bio != "" || o.SetBio {
		set["bio"] = strings.Join(strings.Fields(o.Bio), " ")
	}
	if o.Avatar != "" {
		name, err := copyAvatar(dir, o.Avatar)
		if err != nil {
			return nil, err
		}
		set["avatar"] = name
	}
	data = setTopLevel(data, set)
	cfg, err := ParseConfig(path, data)
	if err != nil {
		return nil, err
	}
	if err := replaceFile(path, data); err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	return cfg, nil
}

// copyAvatar checks that file is an image (PNG, JPEG, GIF or WebP, by its
// content) of at most MaxAvatarBytes and copies it into dir.
func copyAvatar(dir, file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", fmt.Errorf("avatar: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxAvatarBytes+1))
	if err != nil {
		return "", fmt.Errorf("avatar: reading %s: %w", file, err)
	}
	if len(data) > MaxAvatarBytes {
		return "", fmt.Errorf("avatar: %s is over %d KiB; give a smaller picture (e.g. 400×400 pixels)", file, MaxAvatarBytes>>10)
	}
	mt := http.DetectContentType(data)
	name, ok := avatarTypes[mt]
	if !ok {
		return "", fmt.Errorf("avatar: %s is not an image (it looks like %s); give a PNG, JPEG, GIF or WebP file", file, mt)
	}
	for _, other := range avatarTypes {
		if other != name {
			_ = os.Remove(filepath.Join(dir, other))
		}
	}
	if err := replaceFile(filepath.Join(dir, name), data); err != nil {
		return "", fmt.Errorf("avatar: copying %s: %w", file, err)
	}
	return name, nil
}

// setTopLevel sets top-level keys of a TOML document: on the line that
// sets each already, else before the first [table] header.
func setTopLevel(data []byte, set map[string]string) []byte {
	lines := strings.SplitAfter(string(data), "\n")
	table := len(lines)
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[") {
			table = i
			break
		}
		for k, v := range set {
			if strings.HasPrefix(t, k+" ") || strings.HasPrefix(t, k+"=") {
				lines[i] = k + " = " + quote(v) + "\n"
				delete(set, k)
			}
		}
	}
	var add []string
	for _, k := range sortedKeys(set) {
		add = append(add, k+" = "+quote(set[k])+"\n")
	}
	if len(add) > 0 && table > 0 && strings.TrimSpace(lines[table-1]) == "" {
		table--
	}
	out := append(append(lines[:table:table], add...), lines[table:]...)
	return []byte(strings.Join(out, ""))
}
