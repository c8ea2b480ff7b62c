/* for the link options: each handler in lkF is asked in turn about a clicked (or middle-clicked) link,
and the first to send an event for it ends the round */
var lkF=[];
function lkC(e){var a=e.target.closest&&e.target.closest('a[href]'),i=0;
if(a&&(e.type=='click'||e.button==1))for(;i<lkF.length&&!lkF[i](a);i++);}
on(d,'click',lkC);on(d,'auxclick',lkC);
