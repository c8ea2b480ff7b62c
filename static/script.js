!function(w,d,l,n,h,P){
var S=d.currentScript,A=function(a){return S.getAttribute(a)},dom=A('data-domain')||l.hostname,
api=A('data-api')||new URL('/api/event',S.src).href,hash=A('data-hash')!=null,ref=d.referrer,key,c,go,
on=function(t,e,f){t.addEventListener(e,f)},now=function(){return performance.now()},
vis=function(){return d.visibilityState=='visible'};

function why(){
if(l.protocol=='file:')return'file:';
if(/^(localhost|127(\.\d+){3}|\[::1\])$/.test(l.hostname))return'localhost';
try{if(localStorage.clearanalytics_ignore=='true')return'clearanalytics_ignore'}catch(e){}}

function send(b,beacon){
var r=why();
if(r)return console.warn('clearanalytics ignored: '+r);
b.domain=dom;b.url=b.url||l.href;hash&&(b.hash=!0);
b=JSON.stringify(b);
if(!beacon||!(n.sendBeacon&&n.sendBeacon(api,b)))return fetch(api,{method:'POST',body:b,keepalive:!0})}

function tick(keep){
var t=now();
c&&(c.v<0||(c.t+=t-c.v),c.v=keep?t:-1)}
function depth(){
c&&(c.s=Math.max(c.s,Math.min(100,Math.round((scrollY+innerHeight)/d.documentElement.scrollHeight*100))))}
function flush(p){
p==c&&depth();
if(p&&p.id&&p.t>=1){send({name:'engagement',url:p.u,pageview_id:p.id,duration:Math.round(p.t)/1e3,scroll_depth:p.s},1);p.t=0}}

function page(force){
var k=l.pathname+(hash?l.hash:''),p,r;
if(k==key&&force!==1)return;
tick();flush(c);
if(c)ref=c.u;
key=k;p=c={u:l.href,t:0,v:vis()?now():-1,s:0};
(r=send({name:'pageview',referrer:ref,language:n.language}))&&r.then(function(x){return x.json()}).then(function(j){
p.id=j.id;(p!=c||!vis())&&flush(p)}).catch(function(){})}

function track(name,o,y){
o=o||{};
var b=y?{n:name,u:o.u||o.url||l.href,d:dom,r:ref||null,h:hash?1:0,p:o.props,$:o.revenue,i:o.interactive}:{name:name,referrer:ref,language:n.language},k;
if(!y){if(o.props){b.props={};for(k in o.props)b.props[k]=''+o.props[k]}
if(/^(view_item|add_to_cart|begin_checkout|purchase)$/.test(name))
b.ecommerce={transaction_id:o.transaction_id,value:o.value,currency:o.currency,items:o.items}}
back(send(b),o.callback)}
function back(r,f){f&&(r?r.then(function(x){f({status:x.status})},function(e){f({error:e})}):f())}
function plausible(name,o){track(name,o,1)}

function start(){
if(go||d.prerendering||d.visibilityState=='prerender')return;
go=1;
var q=w.clearanalytics.q||[],Q=P&&w.plausible&&w.plausible.q||[];
w.clearanalytics=track;P&&(w.plausible=plausible);
page();
['pushState','replaceState'].forEach(function(m){
var f=h[m];h[m]=function(){var r=f.apply(this,arguments);page();return r}});
on(w,'popstate',page);
hash&&on(w,'hashchange',page);
on(w,'scroll',depth);
on(d,'visibilitychange',function(){tick(vis());vis()||flush(c)});
on(w,'pagehide',function(){tick();flush(c)});
on(w,'pageshow',function(e){e.persisted&&page(1)});
q.forEach(function(a){track.apply(w,a)});Q.forEach(function(a){plausible.apply(w,a)})}

w.clearanalytics=w.clearanalytics||function(){(w.clearanalytics.q=w.clearanalytics.q||[]).push(arguments)};
P&&(w.plausible=w.plausible||function(){(w.plausible.q=w.plausible.q||[]).push(arguments)});
on(d,'prerenderingchange',start);on(d,'visibilitychange',start);start()
}(window,document,location,navigator,history,1);
