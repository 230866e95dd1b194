curl -s localhost:5000/stuff -d stuff=Apple -w ' %{http_code}\n'
curl -s -u calvin:wrong-password localhost:5000/whoami -w ' %{http_code}\n'
curl -s -u calvin:hobbes-the-tiger localhost:5000/whoami
curl -s -u calvin:hobbes-the-tiger localhost:5000/stuff -d stuff=Apple
curl -s -u calvin:hobbes-the-tiger localhost:5000/login
TOKEN=$(curl -s -u calvin:hobbes-the-tiger localhost:5000/login | tr -d '"')
curl -s -H "Authorization: Bearer $TOKEN" localhost:5000/whoami
