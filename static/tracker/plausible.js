/* window.plausible(name, {props, revenue: {amount, currency}, callback, u, interactive}), beside clearanalytics
(`url` is taken for `u`, as Plausible's newer tracker names it).
Events go in Plausible's own form (n u d r p $ i h), which the server parses, revenue included; calls made
through Plausible's queue stub (plausible.q) are sent after the first pageview. pM: a pageview the site asked
for; pU: its url; pR: what the last send returned. */
var pq=w.plausible&&w.plausible.q||[],pM,pU,pR,ps=send,pst=start;
send=function(b,x){pU&&b.name=='pageview'&&(b.url=pU);return pR=ps(b,x)};
function plausible(name,o){
o=o||{};pR=0;
var cb=o.callback,u=o.u||o.url,b;
if(name=='pageview'){pM=1;pU=u;page(1);pU&&c&&(c.u=pU);pM=pU=0}
else{b={n:name,u:u||l.href,d:dom,r:ref||null,h:hash?1:0};
o.props&&(b.p=o.props);o.revenue&&(b.$=o.revenue);o.interactive===!1&&(b.i=!1);send(b)}
cb&&(pR?pR.then(function(r){cb({status:r.status})},function(e){cb({error:e})}):cb())}
w.plausible=function(){go?plausible.apply(w,arguments):pq.push(arguments)};
start=function(){var g=go;pst();if(!g&&go)for(;pq.length;)plausible.apply(w,pq.shift())};
