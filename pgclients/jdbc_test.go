package pgclients

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-db/sluice/internal/testtool"
)

// TestJDBC runs testdata/ClientMatrix.java with Debian's pgjdbc: DatabaseMetaData
// and a PreparedStatement run past pgjdbc's prepareThreshold.
func TestJDBC(t *testing.T) {
	needServer(t)
	const jar = "/usr/share/java/postgresql.jar"
	javac := testtool.Need(t, "javac")
	java := testtool.Need(t, "java")
	testtool.Need(t, jar)
	dir := t.TempDir()
	src, err := filepath.Abs("testdata/ClientMatrix.java")
	if err != nil {
		t.Fatal(err)
	}
	run(t, nil, javac, "-d", dir, "-cp", jar, src)
	out := run(t, nil, java, "-cp", dir+string(os.PathListSeparator)+jar, "ClientMatrix",
		"jdbc:postgresql://"+server.host+":"+server.port+"/sluice", "alice")
	expectLines(t, out,
		"product PostgreSQL 13",
		"schema information_schema",
		"schema pg_catalog",
		"schema public",
		"table clicks TABLE Sluice stream over Kafka topic clicks (key format KAFKA, value format JSON)",
		"table orders TABLE Sluice table over Kafka topic orders (key format KAFKA, value format JSON)",
		"column id int8 -5 size=19 nullable=NO pos=1",
		"column customer text 12 size=2147483647 nullable=YES pos=2",
		"column amount numeric 2 size=10 nullable=YES pos=3",
		"column ts timestamp 93 size=29 nullable=YES pos=4",
		"pk id 1 orders_pkey",
		"index orders_pkey id unique=true",
		// As PostgreSQL 15 answers them (lpad(text, integer) is OID 879).
		"function pg_catalog lpad 1 lpad_873 left-pad string to length",
		"function pg_catalog lpad 1 lpad_879 left-pad string to length",
		"function column lpad_873 returnValue 4 12 text 0",
		"function column lpad_873 $1 1 12 text 1",
		"function column lpad_873 $2 1 4 int4 2",
		"function column lpad_873 $3 1 12 text 3",
		"function column lpad_879 returnValue 4 12 text 0",
		"function column lpad_879 $1 1 12 text 1",
		"function column lpad_879 $2 1 4 int4 2",
		"procedures 0",
		"row 2 bob 7.25",
		"streamed 1 ann",
		"streamed 2 bob",
		"catalog orders",
	)
}
