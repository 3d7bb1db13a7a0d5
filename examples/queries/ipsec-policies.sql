SELECT p.value ->> 'ikeEncryption' AS ike, p.value ->> 'ipsecEncryption' AS ipsec,
       p.value ->> 'dhGroup' AS dhGroup, count(*) AS links
FROM vpn_link_connections AS l, json_each(l.ipsecPolicies) AS p
GROUP BY ike, ipsec, dhGroup
ORDER BY links DESC, ike, ipsec
