// Package messages is the hub's one message catalogue: every sentence and
// label a counter clerk, a resident or a department's IT staff reads from
// the hub — API error details, enum values, field labels and units, the
// reasons behind a rejected ID number or name, the notes of a decision —
// in Chinese and English, keyed by the stable codes the API sends (error
// codes, enum values, field names).
//
// Chinese is the default language; English is chosen only when the caller
// prefers it (Accept-Language: en, see Negotiate). Handlers never write
// sentences themselves: they name a catalogue key and its arguments
// (httperr.New), and the answer is rendered in the caller's language when it
// is written. The service-hall page reads the same catalogue as JSON
// (Catalogue, served by package web at /web/messages.json).
//
// The package is a leaf: it imports nothing of the hub.
package messages

import (
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/text/language"
)

// Lang is a language of the catalogue.
type Lang string

// The languages of the catalogue.
const (
	Zh Lang = "zh" // Simplified Chinese, the default
	En Lang = "en"
)

// matcher picks between the catalogue's languages; the first is the default
// when nothing the caller asks for matches.
var matcher = language.NewMatcher([]language.Tag{language.SimplifiedChinese, language.English})

// Negotiate picks the language of an Accept-Language header value (RFC
// 9110 §12.5.4, e.g. "en-US,en;q=0.9"): En when the caller ranks an English
// variant above every Chinese one, otherwise Zh — also for an empty, unknown
// or malformed header.
func Negotiate(acceptLanguage string) Lang {
	if strings.TrimSpace(acceptLanguage) == "" {
		return Zh
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return Zh
	}
	_, i, conf := matcher.Match(tags...)
	if i == 1 && conf != language.No {
		return En
	}
	return Zh
}

// FromRequest is Negotiate of the request's Accept-Language header; a nil
// request is Zh.
func FromRequest(r *http.Request) Lang {
	if r == nil {
		return Zh
	}
	return Negotiate(r.Header.Get("Accept-Language"))
}

// Text is one message in both languages.
type Text struct {
	Zh string `json:"zh"`
	En string `json:"en"`
}

// In returns the text in lang (Chinese for any language but En); an empty
// English text falls back to the Chinese one and vice versa.
func (t Text) In(lang Lang) string {
	if lang == En && t.En != "" || t.Zh == "" {
		return t.En
	}
	return t.Zh
}

// Localized is an argument of a message that has its own text per language
// (a Text, an enum label, a translated reason, a List).
type Localized interface {
	In(Lang) string
}

// List is a list of localized items, joined with "、" in Chinese and ", "
// in English (or with Sep when set).
type List struct {
	Items []Localized
	Sep   Text // optional separators, e.g. {"；", "; "}
}

// In joins the items in lang.
func (l List) In(lang Lang) string {
	sep := l.Sep.In(lang)
	if l.Sep == (Text{}) {
		sep = Text{Zh: "、", En: ", "}.In(lang)
	}
	parts := make([]string, len(l.Items))
	for i, it := range l.Items {
		parts[i] = it.In(lang)
	}
	return strings.Join(parts, sep)
}

// Strings makes a List of plain strings (the same in both languages).
func Strings(items []string) List {
	l := List{Items: make([]Localized, len(items))}
	for i, s := range items {
		l.Items[i] = Text{Zh: s, En: s}
	}
	return l
}

// Has reports whether the catalogue holds an error message under key.
func Has(key string) bool {
	_, ok := errorTexts[key]
	return ok
}

// Detail renders the error message under key in lang with args: the
// catalogue's format (fmt verbs, indexed like %[1]s so that the languages
// may order them differently) applied to the args, each Localized arg first
// rendered in lang. ok is false when the key is not in the catalogue.
func Detail(lang Lang, key string, args ...any) (text string, ok bool) {
	t, ok := errorTexts[key]
	if !ok {
		return "", false
	}
	return format(t.In(lang), lang, args), true
}

// Format renders a Text used as a format (such as Missing's) in lang.
func Format(lang Lang, t Text, args ...any) string { return format(t.In(lang), lang, args) }

func format(f string, lang Lang, args []any) string {
	if len(args) == 0 {
		return f
	}
	out := make([]any, len(args))
	for i, a := range args {
		if l, ok := a.(Localized); ok {
			out[i] = l.In(lang)
		} else {
			out[i] = a
		}
	}
	return fmt.Sprintf(f, out...)
}
