package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/sqlerr"
)

// maxScriptBytes bounds the file RUN SCRIPT reads.
const maxScriptBytes = 4 << 20

// runScript runs RUN SCRIPT 'file': the statements of a file under the
// configured script directory (and only there: the path may not leave it, by
// ".." or a symbolic link), each as if the client had sent it. As ksqlDB
// documents, a script holds statements that define: CREATE (AS SELECT), DROP,
// INSERT, SET/UNSET and DEFINE/UNDEFINE (with CREATE TYPE, ALTER, PAUSE and
// RESUME); queries, SHOW/DESCRIBE and TERMINATE are refused before anything runs.
func (s *Session) runScript(ctx context.Context, st *parser.RunScript, params []any, w ResultWriter) error {
	dir := s.engine.cfg.ScriptDir
	if dir == "" {
		return sqlerr.New(sqlerr.FeatureNotSupported, "RUN SCRIPT is disabled on this server").
			WithHint("Start the server with --script-dir DIR to run the scripts in DIR.").WithPosition(st.Pos)
	}
	text, err := readScript(dir, st.Path)
	if err != nil {
		return sqlerr.As(err).WithPosition(st.PathPos)
	}
	stmts, err := s.parser.ParseScript(text)
	if err != nil {
		return scriptError(st.Path, text, err)
	}
	for _, one := range stmts {
		if !allowedInScript(one) {
			src, pos := one.Source()
			return scriptError(st.Path, text, sqlerr.Newf(sqlerr.FeatureNotSupported,
				"RUN SCRIPT does not run %s statements: a script holds CREATE, DROP, INSERT, SET, UNSET, DEFINE and UNDEFINE statements", firstWords(src)).WithPosition(pos))
		}
	}
	for _, one := range stmts {
		if err := s.executeOne(ctx, one, params, w); err != nil {
			return scriptError(st.Path, text, clientError(err))
		}
	}
	return nil
}

// readScript reads path (relative to dir, or absolute inside it) through an
// os.Root, which refuses any path that resolves outside dir.
func readScript(dir, path string) (string, error) {
	if filepath.IsAbs(path) {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return "", sqlerr.Wrap(sqlerr.InternalError, err, "script directory")
		}
		rel, err := filepath.Rel(abs, path)
		if err != nil || !filepath.IsLocal(rel) {
			return "", sqlerr.Newf(sqlerr.InsufficientPrivilege, "RUN SCRIPT reads only files under the script directory %s", dir)
		}
		path = rel
	}
	if !filepath.IsLocal(path) {
		return "", sqlerr.Newf(sqlerr.InsufficientPrivilege, "RUN SCRIPT reads only files under the script directory %s", dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return "", sqlerr.Wrap(sqlerr.UndefinedObject, err, "could not open the script directory")
	}
	defer root.Close()
	f, err := root.Open(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "", sqlerr.Newf(sqlerr.UndefinedObject, "script %s does not exist in the script directory %s", path, dir)
	case err != nil && strings.Contains(err.Error(), "escapes from parent"):
		// A symbolic link out of the directory (os.Root's error is not exported).
		return "", sqlerr.Newf(sqlerr.InsufficientPrivilege, "RUN SCRIPT reads only files under the script directory %s", dir)
	case err != nil:
		return "", sqlerr.Wrap(sqlerr.UndefinedObject, err, "could not open script "+path)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxScriptBytes+1))
	if err != nil {
		return "", sqlerr.Wrap(sqlerr.UndefinedObject, err, "could not read script "+path)
	}
	if len(b) > maxScriptBytes {
		return "", sqlerr.Newf(sqlerr.ProgramLimitExceeded, "script %s is larger than %d bytes", path, maxScriptBytes)
	}
	return string(b), nil
}

func allowedInScript(st parser.Statement) bool {
	switch st.(type) {
	case *parser.CreateSource, *parser.CreateAsSelect, *parser.Drop, *parser.InsertSelect, *parser.InsertValues,
		*parser.SetProperty, *parser.UnsetProperty, *parser.DefineVariable, *parser.UndefineVariable,
		*parser.CreateType, *parser.DropType, *parser.AlterSource, *parser.PauseResume:
		return true
	}
	return false
}

// scriptError names the file and line of an error in a script; its position,
// which is into the file and not into what the client sent, is dropped.
func scriptError(path, text string, err error) error {
	e := sqlerr.As(err)
	where := path
	if e.Position >= 0 && e.Position <= len(text) {
		where = fmt.Sprintf("%s, line %d", path, strings.Count(text[:e.Position], "\n")+1)
	}
	out := *e
	out.Message = where + ": " + e.Message
	out.Position = -1
	return &out
}
