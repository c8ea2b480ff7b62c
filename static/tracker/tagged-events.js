/* option tagged-events: an element with class plausible-event-name=NAME sends that event when it (or something
in it) is clicked, or, for a form, when it is submitted; plausible-event-KEY=VALUE classes are its props and
plausible-revenue-amount= / plausible-revenue-currency= its revenue ('+' is a space) */
function tgS(el,form){
for(;el&&el.classList;el=el.parentNode){
var o={props:{}},rv={},nm=0,i,m;
for(i=0;i<el.classList.length;i++){
m=el.classList[i].match(/^plausible-(event|revenue)-([^=]+)=(.+)$/);
if(!m)continue;m[3]=m[3].replace(/\+/g,' ');
if(m[1]=='revenue')rv[m[2]]=m[3];else if(m[2]=='name')nm=m[3];else o.props[m[2]]=m[3]}
if(nm&&(el.tagName=='FORM')==form){rv.amount&&(o.revenue=rv);return plausible(nm,o)}}}
on(d,'click',function(e){tgS(e.target,!1)});on(d,'submit',function(e){tgS(e.target,!0)});
