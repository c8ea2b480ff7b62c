/* option outbound-links: a link to another host is "Outbound Link: Click" with its url */
lkF.push(function(a){if(/^https?:$/.test(a.protocol)&&a.host!=l.host)return track('Outbound Link: Click',{props:{url:a.href}}),1});
