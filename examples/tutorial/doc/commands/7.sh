for s in Apple Banana Cherry; do curl -s -u calvin:hobbes-the-tiger localhost:5000/stuff -d stuff=$s; done; echo
curl -si 'localhost:5000/stuff?limit=2' | grep -i -e '^link' -e '^\['
curl -s 'localhost:5000/stuff?limit=2&offset=2'
curl -s -u calvin:hobbes-the-tiger localhost:5000/stuff -d stuff= -w ' %{http_code}\n'
curl -s -u calvin:hobbes-the-tiger localhost:5000/stuff --json '{"stuff": 42}' -w ' %{http_code}\n'
curl -s -u calvin:hobbes-the-tiger localhost:5000/stuff --json '{}' -w ' %{http_code}\n'
curl -s localhost:5000/stuff/one -w ' %{http_code}\n'
curl -s 'localhost:5000/stuff?limit=lots' -w ' %{http_code}\n'
